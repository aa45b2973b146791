import Testing
import DeviceMapping
import FHIRCore
import FHIRMapping

/// Shared builders for the FHIRMapping tests.
enum Fixtures {
    static let issued = FHIRInstant(millisecondsSince1970: 1_768_996_800_000)  // 2026-01-21T12:00:00Z

    static func instant(_ text: String) throws -> FHIRInstant {
        try #require(FHIRInstant(parsing: text))
    }

    static func measurement(
        _ type: String = "heartrate", at time: String, _ properties: [(String, String)] = [("hr", "60")],
        ingested: String? = nil, device: String = "device-1", patient: String? = "patient-1", correlation: String? = nil
    ) throws -> Measurement {
        Measurement(
            type: type, occurrenceTimeUtc: try instant(time), ingestionTimeUtc: try ingested.map(instant), deviceId: device,
            patientId: patient, correlationId: correlation,
            properties: properties.map { MeasurementProperty(name: $0.0, value: $0.1) })
    }

    /// A one-template mapping with `body` as the CodeValueFhir template.
    static func mapping(_ body: String) throws -> FHIRMapping {
        try FHIRMapping.parse(#"{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":"# + body + "}]}")
    }

    static func json(_ text: String) throws -> JSONValue { try JSONReader.parse(text) }

    /// The Observation(s) for `measurements` through grouping, splitting and creation.
    static func observations(_ measurements: [Measurement], _ mapping: FHIRMapping) throws -> [JSONValue] {
        var result: [JSONValue] = []
        for group in MeasurementGroup.groups(measurements) {
            let template = try #require(mapping.template(for: group.type))
            let identities = ResolvedIdentities(deviceId: group.deviceId, patientId: group.patientId)
            for observationGroup in try ObservationGroup.split(group, by: template.periodInterval) {
                result.append(try ObservationBuilder.create(observationGroup, template: template, identities: identities, issued: issued))
            }
        }
        return result
    }
}
