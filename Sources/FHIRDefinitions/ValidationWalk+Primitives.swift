import FHIRCore

extension ValidationWalk {
    /// Checks the JSON kind, lexical form and range of a primitive value; true when valid.
    mutating func validatePrimitive(_ value: JSONValue, of type: PrimitiveType, name: String, at location: String) -> Bool {
        switch (type.representation, value) {
        case (.boolean, .bool):
            return true
        case (.integer, .number(let lexeme)):
            guard type.matches(lexeme), Int32(lexeme) != nil else {
                report(.value, "Element '\(name)': \(lexeme) is not a valid \(type.name)", at: location)
                return false
            }
            return true
        case (.decimal, .number(let lexeme)):
            guard type.matches(lexeme) else {
                report(.value, "Element '\(name)': \(lexeme) is not a valid \(type.name)", at: location)
                return false
            }
            return true
        case (.string, .string(let text)):
            guard !text.isEmpty else {
                report(.value, "Element '\(name)' must not be an empty string", at: location)
                return false
            }
            guard type.matches(text) else {
                report(.value, "Element '\(name)': \(Self.quoted(text)) is not a valid \(type.name)", at: location)
                return false
            }
            return true
        case (.xhtml, .string(let text)):
            guard text.hasPrefix("<div") else {
                report(.value, "Element '\(name)' must be XHTML starting with '<div'", at: location)
                return false
            }
            return true
        default:
            report(.structure,
                   "Element '\(name)' must be a JSON \(type.representation.jsonKind) (\(type.name)), found \(value.kindName)",
                   at: location)
            return false
        }
    }

    /// Validates `_name`, the id and extensions of a primitive element: an object, or for
    /// repeating elements an array aligned with the values (`null` where an item has none).
    mutating func validatePrimitiveExtension(
        _ value: JSONValue, of child: ChildElement, name: String, primitiveValue: JSONValue?, at location: String, depth: Int
    ) {
        guard child.isPrimitive else {
            report(.structure, "'_\(name)' is only allowed for primitive elements", at: location)
            return
        }
        guard child.element.isRepeating else {
            validatePrimitiveElement(value, name: name, hasValue: primitiveValue != nil, at: location, depth: depth)
            return
        }
        guard case .array(let items) = value else {
            report(.structure, "'_\(name)' must be an array, as '\(name)' repeats", at: location)
            return
        }
        let values = primitiveValue?.arrayValue
        if let values, values.count != items.count {
            report(.structure, "'_\(name)' has \(items.count) items but '\(name)' has \(values.count)", at: location)
        }
        for (index, item) in items.enumerated() {
            let itemLocation = "\(location)[\(index)]"
            if item == .null {
                // With values present, a null item pairs with a value; `validateMember` reports double nulls.
                if values == nil {
                    report(.structure, "Item \(index) of '_\(name)' is null and '\(name)' is absent", at: itemLocation)
                }
                continue
            }
            let hasValue = values.map { index < $0.count && $0[index] != .null } ?? false
            validatePrimitiveElement(item, name: name, hasValue: hasValue, at: itemLocation, depth: depth)
        }
    }

    /// One `_name` object: `id` and `extension` only, and extensions when there is no value.
    private mutating func validatePrimitiveElement(_ value: JSONValue, name: String, hasValue: Bool, at location: String, depth: Int) {
        guard case .object(let object) = value else {
            report(.structure, "'_\(name)' must be a JSON object, found \(value.kindName)", at: location)
            return
        }
        validateObject(object, against: "Element", at: location, depth: depth + 1)
        if !hasValue && object["extension"] == nil {
            report(.structure, "Element '\(name)' has neither a value nor extensions", at: location)
        }
    }
}
