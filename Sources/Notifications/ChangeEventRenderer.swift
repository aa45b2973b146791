import FHIRCore
import FHIRStore

/// Writes changes as events, in one place for everything that publishes the change feed. An
/// event carries the resource's type, id and version and the time of the write, never the
/// resource itself (no PHI); its id is the change's position in the log, stable across
/// retries and replays, to de-duplicate on.
public struct ChangeEventRenderer: Sendable {
    /// CloudEvents `source`: the FHIR base URL, or `/fhir` when none is configured.
    public let source: String

    /// - Parameter baseURL: the public base of the FHIR API (`--base-url`), if configured.
    public init(baseURL: String?) {
        source = baseURL ?? "/fhir"
    }

    /// A change as a CloudEvent (structured JSON form): `type`
    /// `org.vesta.fhir.resource.created|updated|deleted`, `subject` `Type/id`, `data` with
    /// `resourceType`, `id` and `versionId`.
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

    private static func verb(_ operation: Change.Operation) -> String {
        switch operation {
        case .create: "created"
        case .update: "updated"
        case .delete: "deleted"
        }
    }
}
