import FHIRCore
import FHIRDefinitions
import Testing

@Suite struct StructuralValidatorTests {
    private func issues(_ json: String) throws -> [OperationOutcome.Issue] {
        try TestData.validator().validate(try JSONReader.parse(json))
    }

    /// Expects exactly one error, with `code` at `location`, whose diagnostics contain `text`.
    private func expectIssue(
        _ json: String, _ code: OperationOutcome.IssueType, at location: String, mentioning text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let found = try issues(json)
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        guard let issue = found.first else { return }
        #expect(issue.severity == .error, sourceLocation: sourceLocation)
        #expect(issue.code == code, "\(issue.diagnostics)", sourceLocation: sourceLocation)
        #expect(issue.expression == [location], sourceLocation: sourceLocation)
        #expect(issue.diagnostics.contains(text), "\(issue.diagnostics)", sourceLocation: sourceLocation)
    }

    @Test func minimalResourceIsValid() throws {
        #expect(try issues(#"{"resourceType":"Patient"}"#).isEmpty)
        #expect(try issues(#"{"resourceType":"Observation","status":"final","code":{"text":"x"}}"#).isEmpty)
    }

    // MARK: resourceType

    @Test func resourceTypeMustNameAConcreteResource() throws {
        try expectIssue(#"{"resourceType":"Foo"}"#, .invalid, at: "resourceType", mentioning: "Foo")
        try expectIssue(#"{"resourceType":"DomainResource"}"#, .invalid, at: "resourceType", mentioning: "DomainResource")
        try expectIssue(#"{"resourceType":"HumanName"}"#, .invalid, at: "resourceType", mentioning: "HumanName")
        try expectIssue(#"{"id":"x"}"#, .structure, at: "resourceType", mentioning: "resourceType")
        try expectIssue(#"{"resourceType":1}"#, .structure, at: "resourceType", mentioning: "string")
    }

    @Test func topLevelMustBeAnObject() throws {
        let found = try issues(#"["Patient"]"#)
        #expect(found.count == 1)
        #expect(found.first?.code == .structure)
        #expect(found.first?.expression == [])
    }

    @Test func resourceTypeInsideADataTypeIsAnError() throws {
        try expectIssue(#"{"resourceType":"Patient","name":[{"resourceType":"HumanName"}]}"#,
                        .structure, at: "Patient.name[0].resourceType", mentioning: "resourceType")
    }

    // MARK: unknown elements and cardinality

    @Test func unknownElement() throws {
        try expectIssue(#"{"resourceType":"Patient","foo":1}"#, .structure, at: "Patient.foo", mentioning: "Unknown element 'foo'")
        try expectIssue(#"{"resourceType":"Patient","name":[{"famly":"x"}]}"#,
                        .structure, at: "Patient.name[0].famly", mentioning: "famly")
        try expectIssue(#"{"resourceType":"Patient","_foo":{"extension":[]}}"#, .structure, at: "Patient._foo", mentioning: "_foo")
    }

    @Test func missingRequiredElement() throws {
        try expectIssue(#"{"resourceType":"Observation","code":{"text":"x"}}"#,
                        .required, at: "Observation.status", mentioning: "status")
        let found = try issues(#"{"resourceType":"Observation"}"#)
        #expect(found.map(\.code) == [.required, .required])
        #expect(Set(found.flatMap(\.expression)) == ["Observation.status", "Observation.code"])
    }

    @Test func requiredChildrenOnlyOfPresentElements() throws {
        let valid = #"{"resourceType":"Observation","status":"final","code":{"text":"x"}"#
        #expect(try issues(valid + "}").isEmpty)
        try expectIssue(valid + #","component":[{"valueString":"x"}]}"#,
                        .required, at: "Observation.component[0].code", mentioning: "code")
        try expectIssue(#"{"resourceType":"Patient","extension":[{"valueString":"x"}]}"#,
                        .required, at: "Patient.extension[0].url", mentioning: "url")
    }

    @Test func arrayWhereSingleValueExpected() throws {
        try expectIssue(#"{"resourceType":"Patient","birthDate":["1970-01-01"]}"#,
                        .structure, at: "Patient.birthDate", mentioning: "birthDate")
        try expectIssue(#"{"resourceType":"Patient","maritalStatus":[{"text":"x"}]}"#,
                        .structure, at: "Patient.maritalStatus", mentioning: "maritalStatus")
    }

    @Test func singleValueWhereArrayExpected() throws {
        try expectIssue(#"{"resourceType":"Patient","name":{"family":"x"}}"#, .structure, at: "Patient.name", mentioning: "array")
        try expectIssue(#"{"resourceType":"Patient","name":[{"given":"x"}]}"#,
                        .structure, at: "Patient.name[0].given", mentioning: "given")
    }

    @Test func emptyArray() throws {
        try expectIssue(#"{"resourceType":"Patient","name":[]}"#, .structure, at: "Patient.name", mentioning: "empty")
    }

    @Test func nullValues() throws {
        try expectIssue(#"{"resourceType":"Patient","gender":null}"#, .structure, at: "Patient.gender", mentioning: "null")
        try expectIssue(#"{"resourceType":"Patient","name":[null]}"#, .structure, at: "Patient.name[0]", mentioning: "null")
        try expectIssue(#"{"resourceType":"Patient","name":[{"given":["a",null]}]}"#,
                        .structure, at: "Patient.name[0].given[1]", mentioning: "null")
    }

    @Test func complexValueMustBeAnObject() throws {
        try expectIssue(#"{"resourceType":"Patient","maritalStatus":"married"}"#,
                        .structure, at: "Patient.maritalStatus", mentioning: "object")
    }

    // MARK: primitives

    @Test func wrongPrimitiveKind() throws {
        try expectIssue(#"{"resourceType":"Patient","birthDate":123}"#, .structure, at: "Patient.birthDate", mentioning: "string")
        try expectIssue(#"{"resourceType":"Patient","active":"true"}"#, .structure, at: "Patient.active", mentioning: "boolean")
        try expectIssue(#"{"resourceType":"Patient","multipleBirthInteger":"2"}"#,
                        .structure, at: "Patient.multipleBirthInteger", mentioning: "number")
    }

    @Test func nestedLocationInsideArrays() throws {
        try expectIssue(#"{"resourceType":"Patient","name":[{"family":"a"},{"given":[5]}]}"#,
                        .structure, at: "Patient.name[1].given[0]", mentioning: "given")
    }

    @Test func badDateFormat() throws {
        try expectIssue(#"{"resourceType":"Patient","birthDate":"2020-13-01"}"#,
                        .value, at: "Patient.birthDate", mentioning: "2020-13-01")
        try expectIssue(#"{"resourceType":"Patient","deceasedDateTime":"2020-01-01T10:00"}"#,
                        .value, at: "Patient.deceasedDateTime", mentioning: "dateTime")
        #expect(try issues(#"{"resourceType":"Patient","birthDate":"2020-12"}"#).isEmpty)
    }

    @Test func datesMustBeRealCalendarDays() throws {
        try expectIssue(#"{"resourceType":"Patient","birthDate":"2023-02-29"}"#, .value, at: "Patient.birthDate", mentioning: "2023-02-29")
        try expectIssue(#"{"resourceType":"Patient","deceasedDateTime":"2021-04-31T10:00:00Z"}"#,
                        .value, at: "Patient.deceasedDateTime", mentioning: "2021-04-31")
        #expect(try issues(#"{"resourceType":"Patient","birthDate":"2024-02-29"}"#).isEmpty)
    }

    @Test func badResourceId() throws {
        try expectIssue(#"{"resourceType":"Patient","id":"a b"}"#, .value, at: "Patient.id", mentioning: "'a b'")
        try expectIssue(#"{"resourceType":"Patient","id":"\#(String(repeating: "x", count: 65))"}"#,
                        .value, at: "Patient.id", mentioning: "id")
        // Element ids are plain strings.
        #expect(try issues(#"{"resourceType":"Patient","name":[{"id":"a b","family":"x"}]}"#).isEmpty)
    }

    @Test func emptyString() throws {
        try expectIssue(#"{"resourceType":"Patient","name":[{"family":""}]}"#,
                        .value, at: "Patient.name[0].family", mentioning: "empty")
    }

    @Test func stringsFollowXMLSchemaWhitespace() throws {
        // A no-break space is not XML Schema white space, so `string` and `code` admit it.
        #expect(try issues(#"{"resourceType":"Patient","name":[{"family":"van\u00a0Dam"}]}"#).isEmpty)
        try expectIssue(#"{"resourceType":"Patient","language":"en  US"}"#, .value, at: "Patient.language", mentioning: "code")
    }

    @Test func integerRange() throws {
        let observation = #"{"resourceType":"Observation","status":"final","code":{"text":"x"},"#
        #expect(try issues(observation + #""valueInteger":-2147483648}"#).isEmpty)
        try expectIssue(observation + #""valueInteger":2147483648}"#, .value, at: "Observation.valueInteger", mentioning: "integer")
        try expectIssue(observation + #""valueInteger":1.5}"#, .value, at: "Observation.valueInteger", mentioning: "1.5")
        try expectIssue(#"{"resourceType":"Patient","multipleBirthInteger":1e2}"#,
                        .value, at: "Patient.multipleBirthInteger", mentioning: "integer")
    }

    @Test func decimalKeepsAnyNumber() throws {
        #expect(try issues(#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.0E+2}}"#)
            .isEmpty)
    }

    @Test func narrativeDivMustBeXHTML() throws {
        try expectIssue(#"{"resourceType":"Patient","text":{"status":"generated","div":"hello"}}"#,
                        .value, at: "Patient.text.div", mentioning: "div")
    }

    // MARK: choice types

    @Test func twoChoiceVariants() throws {
        try expectIssue(
            #"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","valueQuantity":{"value":1}}"#,
            .structure, at: "Observation.valueQuantity", mentioning: "value[x]"
        )
    }

    @Test func unknownChoiceVariant() throws {
        try expectIssue(#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueFoo":"a"}"#,
                        .structure, at: "Observation.valueFoo", mentioning: "valueFoo")
    }

    @Test func choiceVariantUsesItsType() throws {
        try expectIssue(#"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"1"}}"#,
                        .structure, at: "Observation.valueQuantity.value", mentioning: "number")
    }

    // MARK: required bindings

    @Test func invalidRequiredCode() throws {
        try expectIssue(#"{"resourceType":"Patient","gender":"mail"}"#, .codeInvalid, at: "Patient.gender", mentioning: "'mail'")
        let issue = try issues(#"{"resourceType":"Patient","gender":"mail"}"#).first
        #expect(issue?.diagnostics.contains("http://hl7.org/fhir/ValueSet/administrative-gender") == true)
    }

    @Test func requiredCodeInsideDataType() throws {
        try expectIssue(
            #"{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"comparator":"=="}}"#,
            .codeInvalid, at: "Observation.valueQuantity.comparator", mentioning: "quantity-comparator"
        )
    }

    @Test func requiredCodeableConceptChecksCodingsOfItsSystems() throws {
        let condition = #"{"resourceType":"Condition","subject":{"reference":"Patient/1"},"clinicalStatus":{"coding":["#
        let system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
        #expect(try issues(condition + #"{"system":"\#(system)","code":"active"}]}}"#).isEmpty)
        #expect(try issues(condition + #"{"system":"http://example.org","code":"whatever"}]}}"#).isEmpty)
        try expectIssue(condition + #"{"system":"http://example.org","code":"x"},{"system":"\#(system)","code":"gone"}]}}"#,
                        .codeInvalid, at: "Condition.clinicalStatus.coding[1].code", mentioning: "'gone'")
    }

    // MARK: primitive extensions

    @Test func primitiveExtensionAccepted() throws {
        let extensionObject = #"{"extension":[{"url":"http://example.org/x","valueString":"y"}]}"#
        #expect(try issues(#"{"resourceType":"Patient","birthDate":"1970","_birthDate":\#(extensionObject)}"#).isEmpty)
        #expect(try issues(#"{"resourceType":"Patient","_birthDate":\#(extensionObject)}"#).isEmpty)
        #expect(try issues(#"{"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,\#(extensionObject)]}]}"#).isEmpty)
        #expect(try issues(#"{"resourceType":"Patient","name":[{"_given":[\#(extensionObject)]}]}"#).isEmpty)
    }

    @Test func primitiveExtensionErrors() throws {
        try expectIssue(#"{"resourceType":"Patient","_birthDate":{"id":"a"}}"#,
                        .structure, at: "Patient.birthDate", mentioning: "neither a value nor extensions")
        try expectIssue(#"{"resourceType":"Patient","birthDate":"1970","_birthDate":{"url":"x"}}"#,
                        .structure, at: "Patient.birthDate.url", mentioning: "url")
        try expectIssue(#"{"resourceType":"Patient","_name":{"id":"a"}}"#, .structure, at: "Patient.name", mentioning: "primitive")
        try expectIssue(#"{"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null]}]}"#,
                        .structure, at: "Patient.name[0].given", mentioning: "items")
        try expectIssue(#"{"resourceType":"Patient","name":[{"given":["a"],"_given":{"id":"x"}}]}"#,
                        .structure, at: "Patient.name[0].given", mentioning: "array")
    }

    @Test func fhirCommentsAreIgnored() throws {
        #expect(try issues(#"{"resourceType":"Patient","fhir_comments":["a"],"name":[{"fhir_comments":["b"],"family":"x"}]}"#)
            .isEmpty)
    }

    // MARK: nested resources and content references

    @Test func containedResourceErrorLocation() throws {
        try expectIssue(#"{"resourceType":"Patient","contained":[{"resourceType":"Observation","status":"final"}]}"#,
                        .required, at: "Patient.contained[0].code", mentioning: "code")
        try expectIssue(#"{"resourceType":"Patient","contained":[{"resourceType":"Nope"}]}"#,
                        .invalid, at: "Patient.contained[0].resourceType", mentioning: "Nope")
    }

    @Test func bundleEntryResourceIsValidatedByItsType() throws {
        try expectIssue(#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"mail"}}]}"#,
                        .codeInvalid, at: "Bundle.entry[0].resource.gender", mentioning: "mail")
    }

    @Test func contentReferenceReusesChildren() throws {
        let questionnaire = #"{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group","item":["#
        #expect(try issues(questionnaire + #"{"linkId":"1.1","type":"string"}]}]}"#).isEmpty)
        try expectIssue(questionnaire + #"{"type":"string"}]}]}"#, .required, at: "Questionnaire.item[0].item[0].linkId", mentioning: "linkId")
    }

    @Test func everyProblemIsReported() throws {
        let found = try issues(#"{"resourceType":"Patient","foo":1,"gender":"mail","birthDate":"x","name":[]}"#)
        #expect(found.map(\.expression) == [["Patient.foo"], ["Patient.gender"], ["Patient.birthDate"], ["Patient.name"]])
    }

    @Test func deepNestingIsReportedNotFollowed() throws {
        var extensionValue: JSONValue = ["url": "http://example.org"]
        for _ in 0..<1000 {
            extensionValue = ["url": "http://example.org", "extension": [extensionValue]]
        }
        let found = try TestData.validator().validate(["resourceType": "Patient", "extension": [extensionValue]])
        #expect(found.count == 1)
        #expect(found.first?.diagnostics.contains("deeper") == true)
    }
}
