import FHIRMapping
import Testing

@Suite struct ParserTests {
    @Test func parsesEveryValueTypeAndField() throws {
        let mapping = try FHIRMapping.parse(#"""
        {"templateType":"collectionFhirTemplate","template":[
          {"templateType":"CodeValueFhirTemplate","template":{"typeName":"bp","periodInterval":"Hourly",
            "category":[{"text":"Vital Signs","codes":[{"code":"vital-signs","system":"s"}]}],
            "codes":[{"code":"85354-9","system":"http://loinc.org","display":"BP"}],
            "components":[{"codes":[{"code":"8480-6"}],"value":{"valueName":"sys","valueType":"sampleddata","defaultPeriod":0.5,"unit":"mmHg"}}]}},
          {"templateType":"CodeValueFhir","template":{"typeName":"weight","codes":[],
            "value":{"valueName":"w","valueType":"Quantity","unit":"kg","code":"kg","system":"http://unitsofmeasure.org"}}},
          {"templateType":"CodeValueFhir","template":{"typeName":"note","periodInterval":-1,"codes":[],"value":{"valueName":"n","valueType":"String"}}},
          {"templateType":"CodeValueFhir","template":{"typeName":"worn","periodInterval":1440,"codes":[],
            "value":{"valueName":"e","valueType":"CodeableConcept","text":"Worn","codes":[{"code":"w"}]}}}
        ]}
        """#)
        #expect(mapping.templates.map(\.periodInterval) == [.hourly, .single, .correlationId, .daily])
        #expect(mapping.template(for: "BP")?.components.first?.value == .sampledData(valueName: "sys", defaultPeriod: "0.5", periodTicks: 5000, unit: "mmHg"))
        #expect(mapping.template(for: "bp")?.category == [FHIRCategoryTemplate(text: "Vital Signs", codes: [FHIRCodeTemplate(code: "vital-signs", system: "s", display: nil)])])
        #expect(mapping.template(for: "weight")?.value == .quantity(valueName: "w", unit: "kg", code: "kg", system: "http://unitsofmeasure.org"))
        #expect(mapping.template(for: "note")?.value == .string(valueName: "n"))
        #expect(mapping.template(for: "worn")?.value == .codeableConcept(valueName: "e", text: "Worn", codes: [FHIRCodeTemplate(code: "w", system: nil, display: nil)]))
        #expect(mapping.template(for: "weight")?.valueNames == ["w"])
    }

    /// (line, column, message) of every error in `text`.
    private func errors(_ text: String) -> [(Int, Int, String)] {
        do {
            _ = try FHIRMapping.parse(text)
            return []
        } catch {
            return error.errors.map { ($0.location.line, $0.location.column, $0.message) }
        }
    }

    @Test func invalidJSONHasItsPosition() {
        let found = errors("{\n  \"templateType\": \n}")
        #expect(found.count == 1)
        #expect(found.first?.0 == 3)
    }

    /// Member names with JSON escapes, `~`, `/` and non-ASCII text are pointed to (RFC 6901
    /// escaped) and located at their name, as in DeviceMapping.
    @Test func unknownMembersWithEscapedNamesAreLocatedAtTheirName() throws {
        let text = #"""
        {"templateType":"CollectionFhir","template":[
          {"templateType":"CodeValueFhir","template":{"typeName":"t","codes":[],
            "é\u0041~/x":1,"TYPENAME":"u"}}]}
        """#
        do {
            _ = try FHIRMapping.parse(text)
            Issue.record("expected errors")
        } catch {
            let found = error.errors.map { [String($0.location.line), String($0.location.column), $0.pointer, $0.message] }
            #expect(found == [
                ["3", "5", "/template/0/template/éA~0~1x", "Could not find member 'éA~/x' on the template."],
                ["3", "20", "/template/0/template/TYPENAME", "Property 'TYPENAME' is given more than once."],
            ])
        }
    }

    @Test func wrongRootType() {
        let found = errors(#"{"templateType": "CollectionContent", "template": []}"#)
        #expect(found.map(\.2) == ["Expected TemplateType value CollectionFhirTemplate, actual CollectionContent."])
        #expect(found.first.map { [$0.0, $0.1] } == [1, 18])
    }

    @Test func everyTemplateErrorIsLocated() {
        let text = """
        {
          "templateType": "CollectionFhir",
          "template": [
            { "templateType": "JsonPathContent", "template": {} },
            { "templateType": "CodeValueFhir", "template": {
                "typeName": "",
                "periodInterval": 30,
                "value": { "valueName": "hr", "valueType": "Decimal" },
                "colour": "red" } },
            { "templateType": "CodeValueFhir", "template": {
                "typeName": "hr", "codes": [ { "system": "s" } ],
                "components": [ { "value": { "valueName": "x", "valueType": "SampledData" } } ] } },
            { "templateType": "CodeValueFhir", "template": { "typeName": "steps", "codes": [] } },
            { "templateType": "CodeValueFhir", "template": { "typeName": "Steps", "codes": [] } }
          ]
        }
        """
        let found = errors(text)
        #expect(found.map { "\($0.0):\($0.1) \($0.2)" } == [
            "4:23 Expected TemplateType value CodeValueFhirTemplate, actual JsonPathContent.",
            "5:52 Required property 'codes' not found in JSON.",
            "6:21 Empty type name is not allowed",
            "7:27 ObservationPeriodInterval 30 is not supported.",
            "8:52 No match found for value type Decimal.",
            "9:9 Could not find member 'colour' on the template.",
            "11:38 Required property 'code' not found in JSON.",
            "12:25 Required property 'codes' not found in JSON.",
            "12:36 Required property 'defaultPeriod' not found in JSON.",
            "14:66 Duplicate template defined for type name: 'Steps'",
        ])
    }

    @Test func badDefaultPeriodAndWrongTypes() {
        let found = errors(#"{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":{"typeName":7,"codes":{},"periodInterval":true,"value":{"valueName":"v","valueType":"SampledData","defaultPeriod":0}}}]}"#)
        #expect(found.map(\.2) == [
            "Property 'typeName' must be a string.",
            "Expected an array for the codes property value.",
            "Property 'periodInterval' must be a number.",
            "Property 'defaultPeriod' must be a positive number of milliseconds, a whole number of 100 ns ticks.",
        ])
    }
}
