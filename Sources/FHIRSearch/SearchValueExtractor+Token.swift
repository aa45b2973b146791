import FHIRCore
import FHIRPath

/// Token: Coding, CodeableConcept, Identifier, ContactPoint and primitives.
extension SearchValueExtractor {
    func tokens(_ item: FHIRPathValue) -> [SearchValue] {
        guard let (type, object) = Self.complex(item) else {
            return Self.primitiveText(item).map { [.token(system: nil, code: $0, display: nil)] } ?? []
        }
        var values: [SearchValue] = []
        switch type {
        case "Coding":
            Self.appendCoding(object, to: &values)
        case "CodeableConcept":
            for case .object(let coding) in object["coding"]?.arrayValue ?? [] { Self.appendCoding(coding, to: &values) }
            Self.appendText(object["text"], to: &values)
        case "Identifier":
            Self.appendIdentifier(object, to: &values)
        case "ContactPoint":
            // FHIR R4 matches a ContactPoint token on its value alone.
            if let value = object["value"]?.stringValue { values.append(.token(system: nil, code: value, display: nil)) }
        default:
            break
        }
        return values
    }

    /// An Identifier as `system|value`, plus `.identifierOfType` per type coding and its type text.
    private static func appendIdentifier(_ object: JSONObject, to values: inout [SearchValue]) {
        guard let value = object["value"]?.stringValue else { return }
        values.append(.token(system: object["system"]?.stringValue, code: value, display: nil))
        let type = object["type"]
        for coding in type?["coding"]?.arrayValue ?? [] {
            if let code = coding["code"]?.stringValue {
                values.append(.identifierOfType(typeSystem: coding["system"]?.stringValue, typeCode: code, value: value))
            }
        }
        appendText(type?["text"], to: &values)
    }

    /// A coding's `system|code` (with its display), and its display as `:text`.
    private static func appendCoding(_ object: JSONObject, to values: inout [SearchValue]) {
        let display = object["display"]
        if let code = object["code"]?.stringValue {
            values.append(.token(system: object["system"]?.stringValue, code: code, display: display?.stringValue))
        }
        appendText(display, to: &values)
    }

    private static func appendText(_ value: JSONValue?, to values: inout [SearchValue]) {
        guard let text = value?.stringValue, !text.isEmpty else { return }
        values.append(.text(SearchString(text)))
    }
}
