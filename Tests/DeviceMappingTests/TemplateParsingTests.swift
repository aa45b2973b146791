import DeviceMapping
import Testing

@Suite struct TemplateParsingTests {
    @Test func parsesEveryTemplateTypeAndSpelling() throws {
        let mapping = try validMapping("""
        {"templateType": "collectioncontenttemplate", "template": [
          {"templateType": "JsonPathContentTemplate", "template": {"typeName": "a", "typeMatchExpression": "$..[?(@a)]",
            "deviceIdExpression": "$.d", "timestampExpression": "$.t", "values": []}},
          {"templateType": "iotjsonpathcontent", "template": {"typeName": "b", "typeMatchExpression": "$..[?(@Body.b)]"}},
          {"templateType": "IotCentralJsonPathContent", "template": {"typeName": "c", "typeMatchExpression": "$..[?(@telemetry.c)]",
            "deviceIdExpression": "ignored", "timestampExpression": "ignored"}},
          {"templateType": "CalculatedContent", "template": {"TypeName": "d", "typeMatchExpression": "$..[?(@d)]",
            "deviceIdExpression": {"value": "matchedToken.id", "language": "jmespath"}, "timestampExpression": "$.matchedToken.t",
            "values": [{"valueName": "v", "valueExpression": "$.matchedToken.d", "required": "true"}]}}
        ]}
        """)
        #expect(mapping.templates.map(\.templateType) == [.jsonPath, .iotJsonPath, .iotCentralJsonPath, .calculated])
        #expect(mapping.templates.map(\.typeName) == ["a", "b", "c", "d"])
        #expect(mapping.templates[1].timestampExpressions.map(\.text)
            == ["$.Properties.iothub-creation-time-utc", "$.SystemProperties.iothub-enqueuedtime"])
        #expect(mapping.templates[2].deviceIdExpression.text == "$.deviceId")
        #expect(mapping.templates[3].deviceIdExpression.language == .jmesPath)
        #expect(mapping.templates[3].values.first?.required == true)
        #expect(mapping.templates[1].values.isEmpty)  // a missing `values` is an empty list
    }

    @Test func defaultLanguageAppliesToBareStringsOnly() throws {
        let mapping = try validMapping(collection("CalculatedContent", """
        {"typeName": "x", "defaultExpressionLanguage": "JmesPath", "typeMatchExpression": "Body",
         "deviceIdExpression": {"value": "$.Body.id", "language": "JsonPath"}, "timestampExpression": {"value": "Body.t"}}
        """))
        let template = try #require(mapping.templates.first)
        #expect(template.typeMatchExpression.language == .jmesPath)
        #expect(template.deviceIdExpression.language == .jsonPath)
        #expect(template.timestampExpressions.first?.language == .jmesPath)
    }

    @Test func rootMustBeACollection() {
        let notCollection = mappingErrors(#"{"templateType": "JsonPathContent", "template": []}"#)
        #expect(notCollection.map(\.message) == ["Expected TemplateType value CollectionContentTemplate, actual JsonPathContent."])
        #expect(notCollection.first?.location == TextLocation(line: 1, column: 18))
        let missing = mappingErrors(#"{"template": []}"#)
        #expect(missing.map(\.message) == ["Expected TemplateType value CollectionContentTemplate, actual Not Found."])
        let notArray = mappingErrors(#"{"templateType": "CollectionContent", "template": {}}"#)
        #expect(notArray.map(\.kind) == [.expectedArray(property: "template")])
        #expect(notArray.first?.location == TextLocation(line: 1, column: 51))
    }

    @Test func invalidJSONIsLocated() {
        let errors = mappingErrors("{\n  \"templateType\": \"CollectionContent\",\n  \"template\": [,]\n}")
        #expect(errors.count == 1)
        #expect(errors.first?.code == "invalidJSON")
        #expect(errors.first?.location == TextLocation(line: 3, column: 16))
    }

    @Test func unknownTemplateTypeAndSuffixRules() {
        let errors = mappingErrors("""
        {"templateType": "CollectionContent", "template": [
          {"templateType": "CalculatedContentTemplate", "template": {}},
          {"templateType": "IotCentralJsonPathContentTemplate", "template": {}},
          {"templateType": "Nope", "template": {}}
        ]}
        """)
        #expect(errors.map(\.message) == [
            "No match found for template type CalculatedContentTemplate.",
            "No match found for template type IotCentralJsonPathContentTemplate.",
            "No match found for template type Nope.",
        ])
        #expect(errors.map(\.location.line) == [2, 3, 4])
        #expect(errors.map(\.location.column) == [20, 20, 20])
    }

    @Test func missingRequiredPropertiesAreAllReportedAtTheirObject() {
        let errors = mappingErrors("""
        {"templateType": "CollectionContent", "template": [
          {"templateType": "JsonPathContent", "template": {
            "values": [ {"required": true} ]
          }}
        ]}
        """)
        #expect(errors.map(\.kind) == [
            .missingProperty("typeName"), .missingProperty("typeMatchExpression"), .missingProperty("deviceIdExpression"),
            .missingProperty("timestampExpression"), .missingProperty("valueName"), .missingProperty("valueExpression"),
        ])
        #expect(errors.prefix(4).allSatisfy { $0.location == TextLocation(line: 2, column: 51) })
        #expect(errors.suffix(2).allSatisfy { $0.location == TextLocation(line: 3, column: 17) })
        #expect(errors.first?.message == "Required property 'typeName' not found in JSON.")
        #expect(errors.first?.pointer.text == "/template/0/template")
    }

    @Test func unknownDuplicateAndMistypedProperties() {
        let errors = mappingErrors("""
        {"templateType": "CollectionContent", "template": [
          {"templateType": "IotJsonPathContent", "template": {
            "typeName": 7, "typeMatchExpression": "$..[?(@Body.x)]", "TYPEMATCHEXPRESSION": "$.y",
            "defaultExpressionLanguage": "JmesPath",
            "values": [{"valueName": "v", "valueExpression": "$.Body.x", "required": "maybe", "unit": "cm"}]
          }}
        ]}
        """)
        #expect(errors.map(\.kind) == [
            .wrongType(property: "typeName", expected: "a string"),
            .duplicateProperty("TYPEMATCHEXPRESSION"),
            .unknownProperty("defaultExpressionLanguage"),
            .wrongType(property: "required", expected: "a boolean"),
            .unknownProperty("unit"),
        ])
        #expect(errors.map(\.location) == [
            TextLocation(line: 3, column: 17), TextLocation(line: 3, column: 62), TextLocation(line: 4, column: 5),
            TextLocation(line: 5, column: 78), TextLocation(line: 5, column: 87),
        ])
    }

    @Test func invalidExpressionsAreCompiledUpFrontAndLocated() {
        let errors = mappingErrors("""
        {"templateType": "CollectionContent", "template": [
          {"templateType": "CalculatedContent", "template": {
            "typeName": "hr", "typeMatchExpression": "$..[?(@heartRate",
            "deviceIdExpression": {"value": "matchedToken.[", "language": "JmesPath"},
            "timestampExpression": {"value": "$.t", "language": "XPath"},
            "patientIdExpression": "",
            "encounterIdExpression": 12,
            "values": [{"valueName": "hr", "valueExpression": {"value": "nosuch(@)", "language": "JmesPath"}}]
          }},
          {"templateType": "JsonPathContent", "template": {
            "typeName": "x", "typeMatchExpression": {"value": "$.a", "language": "JsonPath"},
            "deviceIdExpression": "$.d", "timestampExpression": "$.t"
          }}
        ]}
        """)
        #expect(errors.map(\.code) == [
            "invalidExpression", "invalidExpression", "unsupportedLanguage", "invalidValue", "wrongType", "invalidExpression",
            "wrongType",
        ])
        #expect(errors.map(\.location.line) == [3, 4, 5, 6, 7, 8, 11])
        #expect(errors[0].location.column == 46)
        #expect(errors[1].location.column == 37)  // the `value` string, not the object
        #expect(errors[1].message.hasPrefix("The following JmesPath expression could not be parsed: matchedToken.["))
        #expect(errors[6].kind == .wrongType(property: "typeMatchExpression", expected: "a JSONPath string"))
    }

    @Test func columnsCountUnicodeScalars() {
        let errors = mappingErrors(collection("JsonPathContent", """
        {"typeName": "é€😀", "bad": 1, "typeMatchExpression": "$.a", "deviceIdExpression": "$.d", "timestampExpression": "$.t"}
        """))
        let prefix = #"{"templateType": "CollectionContent", "template": [{"templateType": "JsonPathContent", "template": {"typeName": "é€😀", "#
        #expect(errors.map(\.kind) == [.unknownProperty("bad")])
        #expect(errors.first?.location == TextLocation(line: 1, column: prefix.unicodeScalars.count + 1))
    }

    @Test func escapedMemberNamesAreLocated() {
        let errors = mappingErrors(collection("JsonPathContent", #"""
        {"typeName": "x", "typeMatchExpression": "$.a", "deviceIdExpression": "$.d", "timestampExpression": "$.t",
         "we\/ird\u00e9": 1}
        """#))
        #expect(errors.map(\.kind) == [.unknownProperty("we/irdé")])
        #expect(errors.first?.pointer.text == "/template/0/template/we~1irdé")
        #expect(errors.first?.location == TextLocation(line: 2, column: 2))
    }
}
