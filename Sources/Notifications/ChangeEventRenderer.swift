import FHIRCore
import FHIRStore

/// The shapes a committed change takes as an event outside the server.
public enum ChangeEventFormat: String, Sendable, CaseIterable {
    /// CloudEvents 1.0, structured JSON form: what `GET /events` serves.
    case cloudEvents = "cloudevents"
    /// The Azure Health Data Services event schema of Azure Event Grid
    /// (`Microsoft.HealthcareApis.FhirResourceCreated|Updated|Deleted`).
    case azure
}

/// Writes changes as events, for the change feed and its webhook sinks alike, so a sink
/// receives exactly what the feed serves. An event carries the resource's type, id and
/// version and the time of the write, never the resource itself (no PHI); its id is the
/// change's position in the log, stable across retries and replays, to de-duplicate on.
public struct ChangeEventRenderer: Sendable {
    /// CloudEvents `source` and Event Grid `topic`: the FHIR base URL, or `/fhir` when none is configured.
    public let source: String
    /// Event Grid `resourceFhirAccount`, which also starts `subject`: the FHIR base URL without
    /// its scheme (so `https://` + subject is the resource's URL), or the server's address and `/fhir`.
    public let fhirAccount: String

    /// - Parameters:
    ///   - baseURL: the public base of the FHIR API (`--base-url`), if configured.
    ///   - address: `host:port` the server listens on, for the Event Grid account without a base URL.
    public init(baseURL: String?, address: String = "localhost") {
        source = baseURL ?? "/fhir"
        if let baseURL, let schemeEnd = baseURL.range(of: "://") {
            fhirAccount = String(baseURL[schemeEnd.upperBound...])
        } else {
            fhirAccount = baseURL ?? "\(address)/fhir"
        }
    }

    /// `change` as an event of `format`.
    public func event(_ change: Change, as format: ChangeEventFormat) -> JSONValue {
        switch format {
        case .cloudEvents: cloudEvent(change)
        case .azure: azureEvent(change)
        }
    }

    /// A change as a CloudEvent: `type` `org.vesta.fhir.resource.created|updated|deleted`,
    /// `subject` `Type/id`, `data` with `resourceType`, `id` and `versionId`.
    public func cloudEvent(_ change: Change) -> JSONValue {
        [
            "specversion": "1.0",
            "id": .string(change.position.description),
            "source": .string(source),
            "type": .string("org.vesta.fhir.resource.\(Self.verb(change.operation))"),
            "subject": .string("\(change.resourceType)/\(change.id)"),
            "time": .string(FHIRInstant(date: change.recordedAt).fhirString),
            "datacontenttype": "application/json",
            "data": [
                "resourceType": .string(change.resourceType),
                "id": .string(change.id),
                "versionId": .string(String(change.version)),
            ],
        ]
    }

    /// A change as an Azure Health Data Services event in the Event Grid event schema:
    /// `eventType` `Microsoft.HealthcareApis.FhirResource…`, `subject` `<account>/Type/id`,
    /// `dataVersion` the version as text, `data.resourceVersionId` the version as a number.
    public func azureEvent(_ change: Change) -> JSONValue {
        let verb = Self.verb(change.operation)
        let version = String(change.version)
        return [
            "id": .string(change.position.description),
            "topic": .string(source),
            "subject": .string("\(fhirAccount)/\(change.resourceType)/\(change.id)"),
            "eventType": .string("Microsoft.HealthcareApis.FhirResource\(verb.prefix(1).uppercased())\(verb.dropFirst())"),
            "eventTime": .string(FHIRInstant(date: change.recordedAt).fhirString),
            "data": [
                "resourceType": .string(change.resourceType),
                "resourceFhirAccount": .string(fhirAccount),
                "resourceFhirId": .string(change.id),
                "resourceVersionId": .number(version),
            ],
            "dataVersion": .string(version),
            "metadataVersion": "1",
        ]
    }

    private static func verb(_ operation: Change.Operation) -> String {
        switch operation {
        case .create: "created"
        case .update: "updated"
        case .delete: "deleted"
        }
    }
}
