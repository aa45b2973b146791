import DeviceMapping
import FHIRCore
import FHIRMapping
import Testing

@Suite struct ObservationTests {
    static let hourly = #"{"typeName":"heartrate","periodInterval":60,"category":[{"text":"Vital Signs","codes":[{"code":"vital-signs"}]}],"codes":[{"code":"8867-4","system":"http://loinc.org","display":"Heart rate"}],"value":{"valueName":"hr","valueType":"SampledData","defaultPeriod":900000,"unit":"count/min"}}"#
    static let service = "https://azure.microsoft.com/en-us/services/iomt-fhir-connector/"

    @Test func idIsSHA256OfSystemAndValue() {
        // SHA-256("https://azure.microsoft.com/en-us/services/iomt-fhir-connector/_abc"), checked with sha256sum.
        #expect(ObservationIdentity.id(identifierValue: "abc") == "8cf1ad1e4eb3a532434b817a78d5fab7c223c252e1630168e7c6b03af61762c5")
    }

    @Test func hourlySampledDataObservationWithGaps() throws {
        let batch = [try Fixtures.measurement(at: "2019-02-01T22:40:00Z", [("hr", "72")]),
                     try Fixtures.measurement(at: "2019-02-01T22:05:00Z", [("hr", "70")]),
                     try Fixtures.measurement(at: "2019-02-01T22:10:00Z", [("hr", "71")])]
        let observations = try Fixtures.observations(batch, try Fixtures.mapping(Self.hourly))
        let identifier = "patient-1.device-1.heartrate.20190201220000Z.20190201225959Z"
        let expected = try Fixtures.json(#"""
        {"resourceType":"Observation","id":"\#(ObservationIdentity.id(identifierValue: identifier))",
         "identifier":[{"system":"\#(Self.service)","value":"\#(identifier)"}],
         "status":"final",
         "category":[{"coding":[{"code":"vital-signs"}],"text":"Vital Signs"}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"},
                           {"system":"\#(Self.service)","code":"heartrate","display":"heartrate"}],"text":"heartrate"},
         "subject":{"reference":"Patient/patient-1"},"device":{"reference":"Device/device-1"},
         "effectivePeriod":{"start":"2019-02-01T22:00:00.0000000Z","end":"2019-02-01T22:59:59.9999999Z"},
         "issued":"2026-01-21T12:00:00.000Z",
         "valueSampledData":{"origin":{"value":0,"unit":"count/min"},"period":900000,"dimensions":1,"data":"71 E 72 E"}}
        """#)
        #expect(observations == [expected])
    }

    @Test func latestReadingWinsItsSlotAndTrailingGapsStay() throws {
        let mapping = try Fixtures.mapping(Self.hourly.replacingOccurrences(of: "900000", with: "1200000"))
        let batch = [try Fixtures.measurement(at: "2019-02-01T22:01:00Z", [("hr", "70")]),
                     try Fixtures.measurement(at: "2019-02-01T22:19:59Z", [("hr", "75")])]
        let data = try Fixtures.observations(batch, mapping).first?["valueSampledData"]?["data"]
        #expect(data == "75 E E")
    }

    @Test func outOfOrderAndDuplicatesGiveTheInOrderResult() throws {
        let mapping = try Fixtures.mapping(Self.hourly)
        let inOrder = try [("22:05", "70"), ("22:20", "71"), ("22:50", "73")].map {
            try Fixtures.measurement(at: "2019-02-01T\($0.0):00Z", [("hr", $0.1)], ingested: "2019-02-01T23:00:00Z")
        }
        var shuffled = [inOrder[2], inOrder[0], inOrder[1]]
        shuffled.insert(try Fixtures.measurement(at: "2019-02-01T22:20:00Z", [("hr", "99")], ingested: "2019-02-01T22:30:00Z"), at: 0)
        shuffled.append(try Fixtures.measurement(at: "2019-02-01T22:05:00Z", [("hr", "98")], ingested: "2019-02-01T22:06:00Z"))
        #expect(try Fixtures.observations(shuffled, mapping) == Fixtures.observations(inOrder, mapping))
    }

    @Test func singleQuantityStringAndCodeableConcept() throws {
        let quantity = try Fixtures.mapping(#"{"typeName":"weight","codes":[],"value":{"valueName":"w","valueType":"Quantity","unit":"kg","code":"kg","system":"http://unitsofmeasure.org"}}"#)
        let weights = try Fixtures.observations([try Fixtures.measurement("weight", at: "2019-01-01T08:00:00.5Z", [("w", "+072.50")])], quantity)
        #expect(weights.first?["valueQuantity"] == (try Fixtures.json(#"{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}"#)))
        #expect(weights.first?["effectivePeriod"] == (try Fixtures.json(#"{"start":"2019-01-01T08:00:00.5000000Z","end":"2019-01-01T08:00:00.5000000Z"}"#)))
        let text = try Fixtures.mapping(#"{"typeName":"note","codes":[],"value":{"valueName":"n","valueType":"String"}}"#)
        #expect(try Fixtures.observations([try Fixtures.measurement("note", at: "2019-01-01T08:00:00Z", [("n", "ok")])], text).first?["valueString"] == "ok")
        let concept = try Fixtures.mapping(#"{"typeName":"worn","codes":[],"value":{"valueName":"e","valueType":"CodeableConcept","text":"Worn","codes":[{"code":"w","system":"s"}]}}"#)
        let worn = try Fixtures.observations([try Fixtures.measurement("worn", at: "2019-01-01T08:00:00Z", [("e", "anything")])], concept)
        #expect(worn.first?["valueCodeableConcept"] == (try Fixtures.json(#"{"coding":[{"system":"s","code":"w"}],"text":"Worn"}"#)))
        #expect(worn.first?["code"] == (try Fixtures.json(#"{"coding":[{"system":"\#(Self.service)","code":"worn","display":"worn"}],"text":"worn"}"#)))
    }

    @Test func quantityNeedsOnePlainDecimal() throws {
        let mapping = try Fixtures.mapping(#"{"typeName":"weight","periodInterval":60,"codes":[],"value":{"valueName":"w","valueType":"Quantity"}}"#)
        #expect(throws: ObservationError.invalidQuantity("NaN")) {
            try Fixtures.observations([try Fixtures.measurement("weight", at: "2019-01-01T08:00:00Z", [("w", "NaN")])], mapping)
        }
        #expect(throws: ObservationError.expectedOneValue(valueName: "w", received: 2)) {
            try Fixtures.observations([try Fixtures.measurement("weight", at: "2019-01-01T08:00:00Z", [("w", "1")]),
                                       try Fixtures.measurement("weight", at: "2019-01-01T08:10:00Z", [("w", "2")])], mapping)
        }
    }

    @Test func componentsWithoutDataAreOmittedAndUnmatchedValuesStillWrite() throws {
        let mapping = try Fixtures.mapping(#"{"typeName":"bp","codes":[],"components":[{"codes":[{"code":"8480-6"}],"value":{"valueName":"sys","valueType":"Quantity","unit":"mmHg"}},{"codes":[],"value":{"valueName":"dia","valueType":"Quantity"}}]}"#)
        let observations = try Fixtures.observations([try Fixtures.measurement("bp", at: "2019-01-01T08:00:00Z", [("sys", "120")]),
                                                      try Fixtures.measurement("bp", at: "2019-01-01T09:00:00Z", [("pulse", "60")])], mapping)
        #expect(observations.first?["component"] == (try Fixtures.json(#"[{"code":{"coding":[{"code":"8480-6"},{"system":"\#(Self.service)","code":"sys","display":"sys"}],"text":"sys"},"valueQuantity":{"value":120,"unit":"mmHg"}}]"#)))
        #expect(observations.last?["component"] == nil)
        #expect(observations.last?["status"] == "final")
    }

    @Test func encounterIsReferencedOnlyWhenResolved() throws {
        let mapping = try Fixtures.mapping(Self.hourly)
        let group = try #require(MeasurementGroup.groups([try Fixtures.measurement(at: "2019-02-01T22:05:00Z")]).first)
        let split = try #require(try ObservationGroup.split(group, by: .hourly).first)
        let template = try #require(mapping.template(for: "HEARTRATE"))
        let observation = try ObservationBuilder.create(
            split, template: template, identities: ResolvedIdentities(deviceId: "d", patientId: "p", encounterId: "e"), issued: Fixtures.issued)
        #expect(observation["encounter"] == (try Fixtures.json(#"{"reference":"Encounter/e"}"#)))
        #expect(observation["identifier"]?.arrayValue?.first?["value"] == "p.d.heartrate.20190201220000Z.20190201225959Z")
    }
}
