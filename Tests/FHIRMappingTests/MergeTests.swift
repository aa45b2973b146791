import DeviceMapping
import FHIRCore
import FHIRMapping
import Testing

@Suite struct MergeTests {
    let identities = ResolvedIdentities(deviceId: "device-1", patientId: "patient-1")

    private func groups(_ batch: [Measurement], _ interval: PeriodInterval) throws -> [ObservationGroup] {
        try MeasurementGroup.groups(batch).flatMap { group throws(ObservationError) in try ObservationGroup.split(group, by: interval) }
    }

    private func hourly() throws -> CodeValueFHIRTemplate {
        try #require(try Fixtures.mapping(ObservationTests.hourly).template(for: "heartrate"))
    }

    @Test func mergingTheSameGroupChangesNothing() throws {
        let template = try hourly()
        let group = try #require(try groups([try Fixtures.measurement(at: "2019-02-01T22:05:00Z", [("hr", "70")]),
                                             try Fixtures.measurement(at: "2019-02-01T22:07:00Z", [("hr", "71")]),
                                             try Fixtures.measurement(at: "2019-02-01T22:40:00Z", [("hr", "72")])], .hourly).first)
        let created = try ObservationBuilder.create(group, template: template, identities: identities, issued: Fixtures.issued)
        #expect(try ObservationMerger.merge(created, with: group, template: template) == nil)
    }

    @Test func lateReadingAmendsAndNewWinsOnEqualTime() throws {
        let template = try hourly()
        let first = try #require(try groups([try Fixtures.measurement(at: "2019-02-01T22:00:00Z", [("hr", "70")]),
                                             try Fixtures.measurement(at: "2019-02-01T22:45:00Z", [("hr", "73")])], .hourly).first)
        let created = try ObservationBuilder.create(first, template: template, identities: identities, issued: Fixtures.issued)
        let late = try #require(try groups([try Fixtures.measurement(at: "2019-02-01T22:00:00Z", [("hr", "80")]),
                                            try Fixtures.measurement(at: "2019-02-01T22:20:00Z", [("hr", "81")])], .hourly).first)
        let merged = try #require(try ObservationMerger.merge(created, with: late, template: template))
        #expect(merged["status"] == "amended")
        #expect(merged["valueSampledData"]?["data"] == "80 81 E 73")
        #expect(merged["issued"] == created["issued"])
        #expect(merged["effectivePeriod"] == created["effectivePeriod"])
        #expect(try ObservationMerger.merge(merged, with: late, template: template) == nil)
    }

    @Test func correlationSessionWidensThePeriod() throws {
        let mapping = try Fixtures.mapping(#"{"typeName":"heartrate","periodInterval":-1,"codes":[],"value":{"valueName":"hr","valueType":"SampledData","defaultPeriod":60000}}"#)
        let template = try #require(mapping.template(for: "heartrate"))
        let first = try #require(try groups([try Fixtures.measurement(at: "2019-01-01T10:01:00Z", [("hr", "61")], correlation: "s1"),
                                             try Fixtures.measurement(at: "2019-01-01T10:03:00Z", [("hr", "63")], correlation: "s1")], .correlationId).first)
        let created = try ObservationBuilder.create(first, template: template, identities: identities, issued: Fixtures.issued)
        #expect(created["valueSampledData"]?["data"] == "61 E 63")
        let later = try #require(try groups([try Fixtures.measurement(at: "2019-01-01T10:00:00Z", [("hr", "60")], correlation: "s1"),
                                             try Fixtures.measurement(at: "2019-01-01T10:05:00Z", [("hr", "65")], correlation: "s1")], .correlationId).first)
        let merged = try #require(try ObservationMerger.merge(created, with: later, template: template))
        #expect(merged["valueSampledData"]?["data"] == "60 61 E 63 E 65")
        #expect(merged["effectivePeriod"] == (try Fixtures.json(#"{"start":"2019-01-01T10:00:00.0000000Z","end":"2019-01-01T10:05:00.0000000Z"}"#)))
        #expect(merged["identifier"] == created["identifier"])
    }

    @Test func categoryIsReplacedAndComponentsMergedOrAppended() throws {
        let old = try Fixtures.mapping(#"{"typeName":"bp","codes":[],"category":[{"text":"old"}],"components":[{"codes":[],"value":{"valueName":"sys","valueType":"Quantity"}}]}"#)
        let new = try Fixtures.mapping(#"{"typeName":"bp","codes":[],"components":[{"codes":[],"value":{"valueName":"sys","valueType":"Quantity"}},{"codes":[],"value":{"valueName":"dia","valueType":"Quantity"}}]}"#)
        let group = try #require(try groups([try Fixtures.measurement("bp", at: "2019-01-01T08:00:00Z", [("sys", "120"), ("dia", "80")])], .single).first)
        let oldTemplate = try #require(old.template(for: "bp"))
        let newTemplate = try #require(new.template(for: "bp"))
        let created = try ObservationBuilder.create(group, template: oldTemplate, identities: identities, issued: Fixtures.issued)
        #expect(created["component"]?.arrayValue?.count == 1)
        let merged = try #require(try ObservationMerger.merge(created, with: group, template: newTemplate))
        #expect(merged["category"] == nil)
        #expect(merged["component"]?.arrayValue?.compactMap { $0["valueQuantity"]?["value"]?.numberLexeme } == ["120", "80"])
        #expect(merged["status"] == "amended")
    }

    @Test func existingValueOfAnotherTypeIsRejected() throws {
        let template = try hourly()
        let group = try #require(try groups([try Fixtures.measurement(at: "2019-02-01T22:05:00Z")], .hourly).first)
        let existing = try Fixtures.json(#"{"resourceType":"Observation","status":"final","valueQuantity":{"value":1},"effectivePeriod":{"start":"2019-02-01T22:00:00Z","end":"2019-02-01T22:59:59.9999999Z"}}"#)
        #expect(throws: ObservationError.valueTypeMismatch(element: "Observation.valueQuantity", expected: "SampledData")) {
            try ObservationMerger.merge(existing, with: group, template: template)
        }
    }

    @Test func reformattedDatesStillCompareEqual() throws {
        let template = try hourly()
        let group = try #require(try groups([try Fixtures.measurement(at: "2019-02-01T22:05:00Z")], .hourly).first)
        guard case .object(var created) = try ObservationBuilder.create(group, template: template, identities: identities, issued: Fixtures.issued)
        else { Issue.record("not an object"); return }
        created["effectivePeriod"] = try Fixtures.json(#"{"start":"2019-02-01T23:00:00+01:00","end":"2019-02-01T22:59:59.9999999Z"}"#)
        #expect(try ObservationMerger.merge(.object(created), with: group, template: template) == nil)
    }
}
