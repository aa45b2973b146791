import FHIRCore

/// Values: each comma-separated alternative parsed and normalized for the parameter's type.
extension SearchQueryParser {
    /// The alternatives of `value` (comma = OR) for `parameter`, never empty.
    func matchValues(_ value: String, for parameter: SearchParameter, modifier: SearchModifier?, name: String) throws(SearchQueryError) -> [SearchMatchValue] {
        var values: [SearchMatchValue] = []
        for part in SearchValueEscaping.split(value[...], on: ",") {
            guard !part.isEmpty else { throw .invalidValue(name: name, value: value, reason: "has an empty alternative") }
            if parameter.type == .composite {
                values.append(try composite(part, components: parameter.components, name: name))
            } else {
                values.append(try matchValue(part, type: parameter.type, modifier: modifier, name: name))
            }
        }
        return values
    }

    /// `part$part…`: one value per component, each parsed by the component's type.
    private func composite(_ text: Substring, components: [SearchParameter.Component], name: String) throws(SearchQueryError) -> SearchMatchValue {
        let parts = SearchValueEscaping.split(text, on: "$")
        guard parts.count == components.count else {
            throw .invalidValue(
                name: name, value: String(text),
                reason: "has \(parts.count) '$'-separated part(s) where the parameter has \(components.count)"
            )
        }
        var values: [SearchMatchValue] = []
        for (part, component) in zip(parts, components) {
            values.append(try matchValue(part, type: component.type, modifier: nil, name: name))
        }
        return .composite(values)
    }

    /// One value of a non-composite type; `text` still has its escapes.
    private func matchValue(_ text: Substring, type: SearchParameterType, modifier: SearchModifier?, name: String) throws(SearchQueryError) -> SearchMatchValue {
        switch type {
        case .number:
            let (prefix, lexeme) = try Self.prefixed(text, name: name)
            guard let number = SearchValueNormalizer.number(lexeme) else {
                throw .invalidValue(name: name, value: String(text), reason: "is not a valid number")
            }
            return .number(prefix, number)
        case .date:
            let (prefix, date) = try Self.prefixed(text, name: name)
            guard let range = SearchValueNormalizer.dateRange(date) else {
                throw .invalidValue(name: name, value: String(text), reason: "is not a valid date")
            }
            return .date(prefix, range)
        case .quantity:
            return try Self.quantity(text, name: name)
        case .token:
            return try Self.token(text, modifier: modifier, name: name)
        case .string:
            let string = SearchValueEscaping.unescape(text)
            return .string(modifier == .exact ? string : SearchValueNormalizer.normalizeString(string))
        case .uri:
            return .uri(SearchValueEscaping.unescape(text))
        case .reference:
            return try reference(text, modifier: modifier, name: name)
        case .composite, .special:
            throw .unsupportedParameter(name: name)
        }
    }

    /// `[prefix]number[|system|code]`, or `number||code` for a unit in any system.
    private static func quantity(_ text: Substring, name: String) throws(SearchQueryError) -> SearchMatchValue {
        let parts = SearchValueEscaping.split(text, on: "|")
        let (prefix, lexeme) = try prefixed(parts[0], name: name)
        guard parts.count == 1 || parts.count == 3, let number = SearchValueNormalizer.number(lexeme) else {
            throw .invalidValue(name: name, value: String(text), reason: "is not a quantity (number, number|system|code or number||code)")
        }
        let unit = { (index: Int) -> String? in
            parts.count > index && !parts[index].isEmpty ? SearchValueEscaping.unescape(parts[index]) : nil
        }
        return .quantity(prefix, number, system: unit(1), code: unit(2))
    }

    /// A token, or with `:text` the normalized text, or with `:of-type` `typeSystem|typeCode|value`.
    private static func token(_ text: Substring, modifier: SearchModifier?, name: String) throws(SearchQueryError) -> SearchMatchValue {
        switch modifier {
        case .text:
            return .token(system: nil, code: SearchValueNormalizer.normalizeString(SearchValueEscaping.unescape(text)))
        case .ofType:
            let parts = SearchValueEscaping.split(text, on: "|").map(SearchValueEscaping.unescape)
            guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw .invalidValue(name: name, value: String(text), reason: "is not typeSystem|typeCode|value")
            }
            return .token(system: .some(parts[0] + "|" + parts[1]), code: parts[2])
        default:
            return try systemAndCode(text, name: name)
        }
    }

    /// `code` (any system), `system|code`, `|code` (no system) or `system|` (any code).
    private static func systemAndCode(_ text: Substring, name: String) throws(SearchQueryError) -> SearchMatchValue {
        let parts = SearchValueEscaping.split(text, on: "|").map(SearchValueEscaping.unescape)
        switch parts.count {
        case 1:
            return .token(system: nil, code: parts[0])
        case 2 where !(parts[0].isEmpty && parts[1].isEmpty):
            let system: String?? = parts[0].isEmpty ? .some(nil) : .some(parts[0])
            return .token(system: system, code: parts[1].isEmpty ? nil : parts[1])
        default:
            throw .invalidValue(name: name, value: String(text), reason: "is not code, system|code, |code or system|")
        }
    }

    /// `id`, `Type/id[/_history/version]` or an absolute URL (type, id and version read from its
    /// tail when it ends like a RESTful reference); with `:identifier`, `system|value`.
    private func reference(_ text: Substring, modifier: SearchModifier?, name: String) throws(SearchQueryError) -> SearchMatchValue {
        if modifier == .identifier { return try Self.systemAndCode(text, name: name) }
        let written = SearchValueEscaping.unescape(text)
        var requiredType: String?
        if case .type(let type) = modifier { requiredType = type }
        if FHIRId.isValid(written) { return .reference(type: requiredType, id: written, url: nil, version: nil) }
        switch SearchReference(reference: written, declaredType: requiredType, container: .null) {
        case .relative(let type, let id, let version) where resourceTypes.contains(type) && (requiredType ?? type) == type:
            return .reference(type: type, id: id, url: nil, version: version)
        case .url(let url, let type, let id, let version) where written.contains(":"):
            return .reference(type: type, id: id, url: url, version: version)
        default:
            throw .invalidValue(name: name, value: String(text), reason: "is not an id, \(requiredType ?? "Type")/id or an absolute URL")
        }
    }

    /// A leading comparison prefix: `ge2024` → (`.ge`, `2024`); `.eq` when there is none. Two
    /// lower-case letters followed by a digit or sign are a prefix, and must be a known one.
    private static func prefixed(_ text: Substring, name: String) throws(SearchQueryError) -> (SearchPrefix, String) {
        let value = SearchValueEscaping.unescape(text)
        let head = Array(value.utf8.prefix(3))
        let isLetter = { (byte: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) }
        let startsNumber = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
        }
        guard head.count == 3, isLetter(head[0]), isLetter(head[1]), startsNumber(head[2]) else { return (.eq, value) }
        guard let prefix = SearchPrefix(rawValue: String(value.prefix(2))) else {
            throw .invalidValue(name: name, value: value, reason: "has an unknown prefix '\(value.prefix(2))'")
        }
        return (prefix, String(value.dropFirst(2)))
    }
}
