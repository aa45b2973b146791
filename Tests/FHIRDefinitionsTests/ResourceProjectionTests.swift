import FHIRCore
import FHIRDefinitions
import Foundation
import Testing

/// `_summary` and `_elements` (https://hl7.org/fhir/R4/search.html#summary), checked against
/// the R4 `isSummary` flags and cardinalities on official examples.
@Suite struct ResourceProjectionTests {
    static let subsetted = ResourceProjection.subsettedTag

    func projection() throws -> ResourceProjection {
        try TestData.definitions.get().projection
    }

    func example(_ fileName: String) throws -> JSONObject {
        try #require(try TestData.example(fileName).objectValue)
    }

    // MARK: _summary=true

    @Test func summaryOfPatientKeepsTheSummaryElements() throws {
        let patient = try example("patient-example.json")
        let summary = try projection().summary(patient, mode: .summary)
        // patient.profile.json: identifier, active, name, telecom, gender, birthDate,
        // deceased[x], address and managingOrganization are summary; text and contact are not.
        #expect(summary.keys == [
            "resourceType", "id", "meta", "identifier", "active", "name", "telecom", "gender", "birthDate",
            "_birthDate", "deceasedBoolean", "address", "managingOrganization",
        ])
        for key in summary.keys where key != "meta" {
            #expect(summary[key] == patient[key], "\(key) is kept whole")
        }
        #expect(summary["meta"] == ["tag": [Self.subsetted]])
    }

    @Test func summaryKeepsSummaryChildrenOfBackboneElements() throws {
        let patient: JSONObject = [
            "resourceType": "Patient",
            "id": "p1",
            "link": [[
                "id": "l1",
                "extension": [["url": "http://example.org/x", "valueString": "dropped"]],
                "modifierExtension": [["url": "http://example.org/m", "valueString": "kept"]],
                "other": ["reference": "Patient/p2"],
                "type": "seealso",
            ]],
            // Patient.contact is not summary, though Patient.contact.modifierExtension is.
            "contact": [["modifierExtension": [["url": "http://example.org/m", "valueString": "x"]]]],
        ]
        let summary = try projection().summary(patient, mode: .summary)
        #expect(summary.keys == ["resourceType", "id", "meta", "link"])
        #expect(summary["link"] == [[
            "modifierExtension": [["url": "http://example.org/m", "valueString": "kept"]],
            "other": ["reference": "Patient/p2"],
            "type": "seealso",
        ]])
    }

    @Test func backboneElementsLeftEmptyAreDropped() throws {
        let projection = try projection()
        let kept: JSONValue = ["other": ["reference": "Patient/p2"], "type": "seealso"]
        let patient: JSONObject = ["resourceType": "Patient", "link": [["id": "l1"], kept]]
        #expect(projection.summary(patient, mode: .summary)["link"] == [kept])
        let onlyEmpty: JSONObject = ["resourceType": "Patient", "link": [["id": "l1"]]]
        #expect(projection.summary(onlyEmpty, mode: .summary).keys == ["resourceType", "meta"])
    }

    @Test func summaryOfVitalSignKeepsComponentCodesAndValues() throws {
        let observation = try example("observation-example-bloodpressure.json")
        let summary = try projection().summary(observation, mode: .summary)
        // category, interpretation and bodySite are not summary; effective[x] is.
        #expect(summary.keys == [
            "resourceType", "id", "meta", "identifier", "basedOn", "status", "code", "subject",
            "effectiveDateTime", "performer", "component",
        ])
        // Observation.component.interpretation is not summary; code and value[x] are.
        let components = try #require(summary["component"]?.arrayValue)
        let original = try #require(observation["component"]?.arrayValue)
        #expect(components.count == original.count)
        for (component, source) in zip(components, original) {
            #expect(component.objectValue?.keys == ["code", "valueQuantity"])
            #expect(component["code"] == source["code"])
            #expect(component["valueQuantity"] == source["valueQuantity"])
        }
        // The existing meta keeps its profile and gains the tag.
        #expect(summary["meta"] == [
            "profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"],
            "tag": [Self.subsetted],
        ])
    }

    @Test func summaryKeepsMandatoryTopLevelElementsThatAreNotSummary() throws {
        // Appointment.participant is mandatory but not summary; its summary children stay.
        let appointment: JSONObject = [
            "resourceType": "Appointment",
            "status": "booked",
            "description": "dropped",
            "participant": [[
                "actor": ["reference": "Patient/p1"],
                "status": "accepted",
                "period": ["start": "2020-01-01"],
            ]],
        ]
        let summary = try projection().summary(appointment, mode: .summary)
        #expect(summary.keys == ["resourceType", "meta", "status", "participant"])
        #expect(summary["participant"] == [["actor": ["reference": "Patient/p1"], "status": "accepted"]])
    }

    @Test func summaryFollowsContentReferences() throws {
        // Bundle.entry.link is a contentReference to Bundle.link; entry resources stay whole.
        let resource: JSONValue = ["resourceType": "Patient", "id": "p1", "text": ["status": "empty", "div": "<div/>"]]
        let bundle: JSONObject = [
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [[
                "link": [["relation": "self", "url": "http://example.org/Patient/p1", "id": "dropped"]],
                "fullUrl": "http://example.org/Patient/p1",
                "resource": resource,
            ]],
        ]
        let summary = try projection().summary(bundle, mode: .summary)
        #expect(summary["entry"] == [[
            "link": [["relation": "self", "url": "http://example.org/Patient/p1"]],
            "fullUrl": "http://example.org/Patient/p1",
            "resource": resource,
        ]])
    }

    // MARK: _summary=text and data

    @Test func textKeepsNarrativeIdMetaAndMandatoryElements() throws {
        let patient = try example("patient-example.json")
        let text = try projection().summary(patient, mode: .text)
        #expect(text.keys == ["resourceType", "id", "meta", "text"])
        #expect(text["text"] == patient["text"])

        let observation = try example("observation-example-bloodpressure.json")
        let observationText = try projection().summary(observation, mode: .text)
        #expect(observationText.keys == ["resourceType", "id", "meta", "text", "status", "code"])
        #expect(observationText["code"] == observation["code"])
    }

    @Test func dataDropsOnlyTheNarrative() throws {
        let observation = try example("observation-example-bloodpressure.json")
        let data = try projection().summary(observation, mode: .data)
        var expected = observation
        expected["text"] = nil
        expected["meta"] = ["profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"], "tag": [Self.subsetted]]
        #expect(data == expected)
        #expect(data.keys == expected.keys)
    }

    @Test func nothingRemovedMeansNoTag() throws {
        let projection = try projection()
        let withoutText: JSONObject = ["resourceType": "Patient", "id": "p1", "gender": "female"]
        #expect(projection.summary(withoutText, mode: .data) == withoutText)
        #expect(projection.summary(withoutText, mode: .summary) == withoutText)
        #expect(projection.elements(withoutText, keeping: ["gender"]) == withoutText)
    }

    // MARK: _elements

    @Test func elementsKeepsTheNamedTopLevelElements() throws {
        let patient = try example("patient-example.json")
        let projected = try projection().elements(patient, keeping: ["name", " gender", "unknown", "Patient.address", ""])
        #expect(projected.keys == ["resourceType", "id", "meta", "name", "gender"])
        #expect(projected["name"] == patient["name"])
        #expect(projected["meta"] == ["tag": [Self.subsetted]])
    }

    @Test func elementsKeepsPrimitiveExtensionsWithTheirElement() throws {
        let patient = try example("patient-example.json")
        let projection = try projection()
        #expect(projection.elements(patient, keeping: ["birthDate"]).keys == ["resourceType", "id", "meta", "birthDate", "_birthDate"])
        #expect(projection.elements(patient, keeping: ["gender"])["_birthDate"] == nil)
    }

    @Test func elementsMatchesChoiceTypes() throws {
        let observation = try example("observation-example-bloodpressure.json")
        let projection = try projection()
        // Mandatory status and code always stay.
        for names in [["effective"], ["effective[x]"], ["effectiveDateTime"]] {
            #expect(projection.elements(observation, keeping: names).keys
                == ["resourceType", "id", "meta", "status", "code", "effectiveDateTime"], "\(names)")
        }
        #expect(projection.elements(observation, keeping: ["effectivePeriod"]).keys
            == ["resourceType", "id", "meta", "status", "code"])
    }

    @Test func summaryMatchesChoiceTypes() throws {
        let projection = try projection()
        let observation: JSONObject = [
            "resourceType": "Observation", "status": "final", "code": ["text": "x"],
            "valueString": "kept", "_valueString": ["id": "v"], "dataAbsentReason": ["text": "dropped"],
        ]
        #expect(projection.summary(observation, mode: .summary).keys
            == ["resourceType", "meta", "status", "code", "valueString", "_valueString"])
    }

    // MARK: SUBSETTED tag

    @Test func subsettedTagIsAddedOnceAndKeepsOtherTags() throws {
        let projection = try projection()
        let otherTag: JSONValue = ["system": "http://example.org/tags", "code": "a"]
        let patient: JSONObject = [
            "resourceType": "Patient", "id": "p1",
            "meta": ["versionId": "2", "tag": [otherTag, Self.subsetted]],
            "text": ["status": "empty", "div": "<div/>"],
        ]
        let projected = projection.summary(patient, mode: .data)
        #expect(projected["meta"] == ["versionId": "2", "tag": [otherTag, Self.subsetted]])

        let withOtherTag = projection.summary(patient.replacingMeta(["tag": [otherTag]]), mode: .data)
        #expect(withOtherTag["meta"] == ["tag": [otherTag, Self.subsetted]])
    }

    @Test func projectionsAreIdempotent() throws {
        let projection = try projection()
        let patient = try example("patient-example.json")
        for mode in SummaryProjectionMode.allCases {
            let once = projection.summary(patient, mode: mode)
            #expect(projection.summary(once, mode: mode) == once, "\(mode)")
        }
        let once = projection.elements(patient, keeping: ["name"])
        #expect(projection.elements(once, keeping: ["name"]) == once)
    }

    // MARK: Every example

    @Test(arguments: TestData.exampleFileNames)
    func projectionsOfExamplesStayValid(fileName: String) throws {
        let projection = try projection()
        let validator = try TestData.validator()
        let resource = try example(fileName)
        let results = SummaryProjectionMode.allCases.map { projection.summary(resource, mode: $0) }
            + [projection.elements(resource, keeping: ["identifier", "status", "name"])]
        for projected in results {
            #expect(validator.validate(.object(projected)).isEmpty, "\(projected.keys)")
            let isTagged = projected["meta"]?["tag"]?.arrayValue?.contains(Self.subsetted) ?? false
            #expect(isTagged == (projected != resource))
            if resource["id"] != nil { #expect(projected["id"] == resource["id"]) }
        }
    }

    // MARK: Edge cases

    @Test func unknownResourceTypesAreReturnedUnchanged() throws {
        let projection = try projection()
        for resource: JSONObject in [["resourceType": "DomainResource", "text": "x"], ["id": "1", "text": "x"], ["resourceType": 1]] {
            #expect(projection.summary(resource, mode: .data) == resource)
            #expect(projection.elements(resource, keeping: []) == resource)
        }
    }

    @Test func modesParseFromParameterValues() {
        #expect(SummaryProjectionMode(rawValue: "true") == .summary)
        #expect(SummaryProjectionMode(rawValue: "text") == .text)
        #expect(SummaryProjectionMode(rawValue: "data") == .data)
        #expect(SummaryProjectionMode(rawValue: "false") == nil)
        #expect(SummaryProjectionMode(rawValue: "count") == nil)
    }
}

/// Loading `summary-elements.json` next to the real structure files.
@Suite struct SummaryElementsLoadingTests {
    /// A conformance directory with the real `elements.json` and `required-valuesets.json`
    /// and `summaryElements` as `summary-elements.json` (left out when nil).
    func load(summaryElements: String?) throws -> FHIRDefinitions {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vesta-summary-\(UUID().uuidString)")
        let structure = directory.appendingPathComponent("structure")
        try FileManager.default.createDirectory(at: structure, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["elements.json", "required-valuesets.json"] {
            try FileManager.default.copyItem(
                at: TestData.conformanceDirectory.appendingPathComponent("structure/\(name)"),
                to: structure.appendingPathComponent(name)
            )
        }
        if let summaryElements {
            try Data(summaryElements.utf8).write(to: structure.appendingPathComponent("summary-elements.json"))
        }
        return try FHIRDefinitions.load(conformanceDirectory: directory)
    }

    func realFile() throws -> String {
        let url = TestData.conformanceDirectory.appendingPathComponent("structure/summary-elements.json")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func realFileLoads() throws {
        _ = try load(summaryElements: try realFile())
    }

    @Test func missingFileIsUnreadable() {
        #expect {
            try load(summaryElements: nil)
        } throws: { error in
            guard case .unreadable = error as? FHIRDefinitionsError else { return false }
            return true
        }
    }

    @Test func missingTypeIsRejected() throws {
        let lines = try realFile().split(separator: "\n", omittingEmptySubsequences: false)
        let withoutPatient = lines.filter { !$0.hasPrefix("\"Patient\":") }.joined(separator: "\n")
        #expect(withoutPatient.count < (try realFile()).count)
        #expect {
            try load(summaryElements: withoutPatient)
        } throws: { error in
            guard case .malformed(_, let reason) = error as? FHIRDefinitionsError else { return false }
            return reason.contains("Patient")
        }
    }

    /// The `mandatory` lists are exactly the elements with `min >= 1` in `elements.json`.
    @Test func mandatoryElementsMatchTheStructureIndex() throws {
        func json(_ name: String) throws -> JSONValue {
            let url = TestData.conformanceDirectory.appendingPathComponent("structure/\(name)")
            return try JSONReader.parse([UInt8](try Data(contentsOf: url)))
        }
        let summaryTypes = try #require(try json("summary-elements.json")["types"]?.objectValue)
        let structureTypes = try #require(try json("elements.json")["types"]?.objectValue)
        #expect(summaryTypes.count == 146)
        for (type, entry) in summaryTypes {
            let elements = try #require(structureTypes[type]?["elements"]?.arrayValue, "\(type)")
            let mandatory = elements.compactMap { element -> String? in
                guard let path = element["path"]?.stringValue, path.contains("."),
                      let min = element["min"]?.numberLexeme.flatMap({ Int($0) }), min >= 1 else { return nil }
                return path
            }
            #expect(Set(mandatory) == Set(entry["mandatory"]?.arrayValue?.compactMap(\.stringValue) ?? []), "\(type)")
        }
    }

    @Test(arguments: [
        ("\"Patient.name\"", "\"Patient.nickname\""),  // not an element
        ("\"Patient.name\"", "\"HumanName.given\""),  // not an element of Patient
        ("\"fhirVersion\":\"4.0.1\"", "\"fhirVersion\":\"4.3.0\""),
        ("\"Patient\":{", "\"Patiente\":{"),  // not a resource type, and Patient missing
        ("\"Patient\":{\"summary\":[", "\"Patient\":{\"summary\":[1,"),
    ])
    func malformedFilesAreRejected(original: String, replacement: String) throws {
        let text = try realFile()
        #expect(text.contains(original))
        #expect {
            try load(summaryElements: text.replacingOccurrences(of: original, with: replacement))
        } throws: { error in
            guard case .malformed(let file, _) = error as? FHIRDefinitionsError else { return false }
            return file == "summary-elements.json"
        }
    }
}

extension JSONObject {
    /// The object with `meta` replaced.
    fileprivate func replacingMeta(_ meta: JSONValue) -> JSONObject {
        var copy = self
        copy["meta"] = meta
        return copy
    }
}
