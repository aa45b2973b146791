import FHIRCore
import FHIRSearch
import Testing

@Suite struct RegistryTests {
    @Test func loadsEveryParameter() throws {
        let registry = try TestData.registry.get()
        #expect(registry.allParameters.count == 1375)
        #expect(registry.allParameters.filter { $0.expression == nil }.map(\.code) == ["_text", "_content", "_query"])
    }

    @Test func observationParameters() throws {
        let registry = try TestData.registry.get()
        let codes = registry.parameters(for: "Observation").map(\.code)
        #expect(Set(codes).count == codes.count)
        for common in ["_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_text", "_content", "_query"] {
            #expect(codes.contains(common), "\(common)")
        }
        let own = codes.filter { !$0.hasPrefix("_") }
        print("Observation: \(own.count) own parameters, \(codes.count - own.count) from Resource/DomainResource")
        #expect(own.count >= 30)

        let expected: [(String, SearchParameterType)] = [
            ("code", .token), ("subject", .reference), ("date", .date), ("value-quantity", .quantity),
            ("component-code-value-quantity", .composite), ("_lastUpdated", .date), ("_id", .token),
        ]
        for (code, type) in expected {
            #expect(registry.parameter(code, for: "Observation")?.type == type, "\(code)")
        }
        let subject = try #require(registry.parameter("subject", for: "Observation"))
        #expect(Set(subject.targets) == ["Group", "Device", "Patient", "Location"])
        #expect(subject.modifiers.contains("identifier"))
        #expect(registry.parameter("date", for: "Observation")?.comparators.contains("sa") == true)
        #expect(registry.parameter("birthdate", for: "Observation") == nil)
    }

    @Test func compositeComponents() throws {
        let registry = try TestData.registry.get()
        let composite = try #require(registry.parameter("component-code-value-quantity", for: "Observation"))
        #expect(composite.components.map(\.type) == [.token, .quantity])
        #expect(composite.components.map(\.definition) == [
            "http://hl7.org/fhir/SearchParameter/Observation-component-code",
            "http://hl7.org/fhir/SearchParameter/Observation-component-value-quantity",
        ])
        #expect(composite.components.map(\.expression.text) == ["code", "value.as(Quantity)"])
    }

    @Test func domainResourceParametersSkipBundle() throws {
        let registry = try TestData.registry.get()
        #expect(registry.parameter("_text", for: "Bundle") == nil)
        #expect(registry.parameter("_id", for: "Bundle") != nil)
        #expect(registry.parameter("composition", for: "Bundle")?.type == .reference)
        // A type with no parameters of its own still has the common ones.
        #expect(registry.parameters(for: "Binary").map(\.code).sorted() == [
            "_content", "_id", "_lastUpdated", "_profile", "_query", "_security", "_source", "_tag",
        ])
    }

    @Test func compartments() throws {
        let registry = try TestData.registry.get()
        let observation = registry.compartments(for: "Observation")
        #expect(observation.first { $0.compartment == "Patient" }?.parameterCodes == ["subject", "performer"])
        #expect(observation.first { $0.compartment == "Device" }?.parameterCodes == ["subject", "device"])
        #expect(Set(observation.map(\.compartment)) == ["Patient", "Encounter", "RelatedPerson", "Practitioner", "Device"])
        #expect(registry.compartments(for: "Patient").first { $0.compartment == "Patient" }?.parameterCodes == ["link"])
        #expect(registry.compartments(for: "Encounter").first { $0.compartment == "Encounter" }?.parameterCodes == ["{def}"])
        // Every compartment parameter is a declared parameter of the member type.
        for type in ["Observation", "Patient", "Encounter", "MedicationRequest", "Condition"] {
            for membership in registry.compartments(for: type) {
                for code in membership.parameterCodes where code != "{def}" {
                    #expect(registry.parameter(code, for: type) != nil, "\(type).\(code)")
                }
            }
        }
    }

    @Test func rejectsBrokenDefinitions() throws {
        let noParameters: JSONValue = ["resourceType": "Bundle", "entry": []]
        #expect(throws: SearchRegistryError.self) {
            try SearchParameterRegistry(searchParameterBundle: noParameters, compartmentDefinitionBundle: noParameters)
        }
        let badComponent: JSONValue = ["resourceType": "Bundle", "entry": [["resource": [
            "resourceType": "SearchParameter", "url": "http://x/a", "code": "a", "base": ["Observation"], "type": "composite",
            "expression": "Observation", "component": [["definition": "http://x/missing", "expression": "code"]],
        ]]]]
        #expect(throws: SearchRegistryError.self) {
            try SearchParameterRegistry(searchParameterBundle: badComponent, compartmentDefinitionBundle: noParameters)
        }
    }
}
