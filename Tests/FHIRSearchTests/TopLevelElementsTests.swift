import FHIRCore
import FHIRPath
import FHIRSearch
import Foundation
import Testing

/// `SearchParameter.topLevelElements(readFrom:)` over all R4 definitions, and its soundness on
/// the official examples: with every other top-level element removed, a parameter's expression
/// selects the same values and the indexer produces the same entries.
@Suite struct TopLevelElementsTests {
    /// Every concrete resource type, with its choice elements (`value` for `value[x]`).
    static let choiceElements = Result { () throws -> [String: Set<String>] in
        let data = try Data(contentsOf: TestData.conformanceDirectory.appendingPathComponent("structure/elements.json"))
        let types = try JSONReader.parse([UInt8](data))["types"]?.objectValue ?? JSONObject()
        var result: [String: Set<String>] = [:]
        for (name, type) in types where type["kind"] == "resource" && type["abstract"] == false {
            let paths = (type["elements"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            result[name] = Set(paths.compactMap { path in
                let parts = path.split(separator: ".")
                guard parts.count == 2, parts[1].hasSuffix("[x]") else { return nil }
                return String(parts[1].dropLast(3))
            })
        }
        return result
    }

    @Test func everyDefinitionIsBounded() throws {
        let registry = try TestData.registry.get()
        let types = try Self.choiceElements.get().keys.sorted()
        #expect(types.count == 146)
        var pairs = 0, unbounded: [String] = []
        for type in types {
            for parameter in registry.parameters(for: type) where parameter.expression != nil {
                pairs += 1
                if parameter.topLevelElements(readFrom: type) == nil { unbounded.append("\(type).\(parameter.code)") }
            }
        }
        print("top-level elements: \(pairs) type–parameter pairs")
        #expect(pairs == 2573)
        #expect(unbounded.isEmpty, "\(unbounded)")
    }

    @Test func knownParameters() throws {
        let registry = try TestData.registry.get()
        func elements(_ code: String, _ type: String) throws -> Set<String>? {
            try #require(registry.parameter(code, for: type)).topLevelElements(readFrom: type)
        }
        #expect(try elements("family", "Patient") == ["name"])
        #expect(try elements("birthdate", "Patient") == ["birthDate"])
        #expect(try elements("identifier", "Patient") == ["identifier"])
        #expect(try elements("_lastUpdated", "Patient") == ["meta"])
        #expect(try elements("_lastUpdated", "Bundle") == ["meta"])
        #expect(try elements("_id", "Binary") == ["id"])
        // Reference parameters: `#id` targets are looked up in `contained`.
        #expect(try elements("patient", "Observation") == ["subject", "contained"])
        #expect(try elements("subject", "Observation") == ["subject", "contained"])
        #expect(try elements("patient", "CarePlan") == ["subject", "contained"])
        #expect(try elements("code-value-quantity", "Observation") == ["code", "value"])
        #expect(try elements("combo-code", "Observation") == ["code", "component"])
        #expect(try elements("combo-code-value-quantity", "Observation") == ["code", "value", "component"])
        #expect(try elements("component-code-value-quantity", "Observation") == ["component"])
        #expect(try elements("value-quantity", "Observation") == ["value"])
        #expect(try elements("chromosome-variant-coordinate", "MolecularSequence") == ["variant", "referenceSeq"])
        #expect(try elements("relationship", "DocumentReference") == ["relatesTo", "contained"])
        #expect(try #require(registry.parameter("_text", for: "Patient")).topLevelElements(readFrom: "Patient") == nil)
    }

    /// Evaluating each parameter on each example stripped down to the elements its analysis
    /// gives changes neither what the expression selects (composites: what their components
    /// select on each item) nor the index entries.
    @Test func soundOnEveryExample() throws {
        let registry = try TestData.registry.get()
        let indexer = try TestData.indexer()
        let model = try TestData.model.get()
        let choiceElements = try Self.choiceElements.get()
        var checked = 0, elementsRemoved = 0, differences: [String] = []
        for fileName in TestData.exampleFileNames {
            let resource = try TestData.example(fileName)
            let type = try #require(resource["resourceType"]?.stringValue)
            let choices = choiceElements[type] ?? []
            let fullEntries = try indexer.indexValues(for: resource)
            var strippedEntries: [Set<String>: [SearchIndexEntry]] = [:]
            for parameter in registry.parameters(for: type) {
                guard let expression = parameter.expression else { continue }
                let name = "\(type).\(parameter.code) on \(fileName)"
                let components = parameter.components.map(\.expression)
                let selected = parameter.type == .composite
                    ? expression.topLevelElements(readFrom: type, thenEvaluating: components)
                    : expression.topLevelElements(readFrom: type)
                guard let selected, let indexed = parameter.topLevelElements(readFrom: type) else {
                    differences.append("\(name): unbounded")
                    continue
                }
                let stripped = Self.strip(resource, keeping: selected, choices: choices)
                let outcome = Self.outcome(expression, components, on: resource, model: model)
                if Self.outcome(expression, components, on: stripped, model: model) != outcome {
                    differences.append("\(name): selects other values without elements outside \(selected.sorted())")
                }
                if strippedEntries[indexed] == nil {
                    strippedEntries[indexed] = try indexer.indexValues(for: Self.strip(resource, keeping: indexed, choices: choices))
                }
                let entries = strippedEntries[indexed]?.filter { $0.parameterCode == parameter.code }
                if entries != fullEntries.filter({ $0.parameterCode == parameter.code }) {
                    differences.append("\(name): other index entries without elements outside \(indexed.sorted())")
                }
                checked += 1
                elementsRemoved += (resource.objectValue?.count ?? 0) - (stripped.objectValue?.count ?? 0)
            }
        }
        print("top-level elements sound on 117 examples: \(checked) parameter evaluations, \(elementsRemoved) elements removed")
        #expect(checked == 3946)
        #expect(differences.isEmpty, "\(differences)")
    }

    /// The resource with only `resourceType` and the members of `elements` (choice elements by
    /// any of their JSON names, primitives with their `_name` part).
    static func strip(_ resource: JSONValue, keeping elements: Set<String>, choices: Set<String>) -> JSONValue {
        guard let object = resource.objectValue else { return resource }
        return .object(JSONObject(uniqueMembers: object.members.filter { member in
            let name = member.key.hasPrefix("_") ? String(member.key.dropFirst()) : member.key
            return name == "resourceType" || elements.contains(name) || choices.intersection(elements).contains { choice in
                name.hasPrefix(choice) && name.dropFirst(choice.count).first?.isUppercase == true
            }
        }))
    }

    /// What an evaluation gives: the values selected, or for a composite what each component
    /// selects on each of them (with the resource as `%resource`); or the error.
    enum Outcome: Equatable {
        case values([[[FHIRPathValue]]])
        case failure(String)
    }

    static func outcome(
        _ expression: FHIRPathExpression, _ components: [FHIRPathExpression], on resource: JSONValue, model: FHIRPathModel
    ) -> Outcome {
        do {
            let items = try expression.evaluate(on: resource, context: FHIRPathContext(model: model))
            guard !components.isEmpty else { return .values([[items]]) }
            let context = FHIRPathContext(model: model, resource: resource)
            return .values(try items.map { item in try components.map { try $0.evaluate(on: item, context: context) } })
        } catch {
            return .failure("\(error)")
        }
    }
}
