import DeviceMapping
import FHIRMapping
import Testing

@Suite struct DebuggerTests {
    @Test func warnsAboutMissingTemplatesUnusedValuesAndFailures() throws {
        let mapping = try Fixtures.mapping(#"{"typeName":"weight","periodInterval":60,"codes":[],"value":{"valueName":"w","valueType":"Quantity"}}"#)
        let result = FHIRMappingDebugger.observations(for: [
            try Fixtures.measurement("steps", at: "2019-01-01T08:00:00Z", [("steps", "10")]),
            try Fixtures.measurement("Weight", at: "2019-01-01T08:00:00Z", [("w", "70"), ("bmi", "22")]),
            try Fixtures.measurement("Weight", at: "2019-01-01T08:30:00Z", [("w", "71")]),
        ], mapping: mapping, issued: Fixtures.issued)
        #expect(result.observations.isEmpty)
        #expect(result.warnings == [
            "No matching Fhir Template exists for Device Mapping [steps]. Ensure case matches. Available Fhir Templates: [weight].",
            "The value [bmi] in Device Mapping [Weight] is not represented within the Fhir Template of type [weight]. Available values: [w].",
            "Could not build an Observation for type [Weight]: Expected 1 value. Received 2. (w)",
        ])
    }

    @Test func usesPlaceholderReferences() throws {
        let mapping = try Fixtures.mapping(ObservationTests.hourly)
        let result = FHIRMappingDebugger.observations(
            for: [try Fixtures.measurement(at: "2019-02-01T22:05:00Z", device: "dev-9", patient: "pat-9")], mapping: mapping,
            issued: Fixtures.issued)
        #expect(result.warnings.isEmpty)
        #expect(result.observations.first?["device"]?["reference"] == "Device/dev-9")
        #expect(result.observations.first?["subject"]?["reference"] == "Patient/pat-9")
    }
}
