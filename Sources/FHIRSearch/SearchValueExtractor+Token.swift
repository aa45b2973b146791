import FHIRCore
import FHIRPath

/// Token: Coding, CodeableConcept, Identifier, ContactPoint and primitives.
extension SearchValueExtractor {
    func tokens(_ item: FHIRPathValue) -> [SearchValue] {
        guard let (type, object) = Self.complex(item) else {
            return Self.primitiveText(item).map { [.token(system: nil, code: $0, display: nil)] } ?? []
        }
        switch type {
        case "Coding":
            return Self.coding(object)
        case "CodeableConcept":
            return (object["coding"]?.arrayValue ?? []).compactMap(\.objectValue).flatMap(Self.coding) + Self.text(object["text"])
        case "Identifier":
            return Self.identifier(object)
        case "ContactPoint":
            // FHIR R4 matches a ContactPoint token on its value alone.
            return object["value"]?.stringValue.map { [.token(system: nil, code: $0, display: nil)] } ?? []
        default:
            return []
        }
    }

    /// An Identifier as `system|value`, plus `.identifierOfType` per type coding and its type text.
    static func identifier(_ object: JSONObject) -> [SearchValue] {
        guard let value = object["value"]?.stringValue else { return [] }
        var values: [SearchValue] = [.token(system: object["system"]?.stringValue, code: value, display: nil)]
        let type = object["type"]
        for coding in type?["coding"]?.arrayValue ?? [] {
            if let code = coding["code"]?.stringValue {
                values.append(.identifierOfType(typeSystem: coding["system"]?.stringValue, typeCode: code, value: value))
            }
        }
        return values + text(type?["text"])
    }

    private static func coding(_ object: JSONObject) -> [SearchValue] {
        let display = object["display"]?.stringValue
        var values: [SearchValue] = []
        if let code = object["code"]?.stringValue {
            values.append(.token(system: object["system"]?.stringValue, code: code, display: display))
        }
        return values + text(object["display"])
    }

    private static func text(_ value: JSONValue?) -> [SearchValue] {
        guard let text = value?.stringValue, !text.isEmpty else { return [] }
        return [.text(SearchString(text))]
    }
}
