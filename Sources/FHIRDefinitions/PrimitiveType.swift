import FHIRCore
import Foundation

/// A FHIR primitive type: its JSON representation and lexical pattern.
struct PrimitiveType: Sendable {
    /// The JSON kind that carries the value (https://hl7.org/fhir/R4/json.html#primitive).
    enum Representation: Sendable {
        /// JSON `true`/`false`.
        case boolean
        /// A JSON number without fraction or exponent, within 32 bits.
        case integer
        /// Any JSON number.
        case decimal
        /// A JSON string.
        case string
        /// A JSON string holding an XHTML `<div>`.
        case xhtml

        var jsonKind: String {
            switch self {
            case .boolean: "boolean"
            case .integer, .decimal: "number"
            case .string, .xhtml: "string"
            }
        }
    }

    let name: String
    let representation: Representation
    private let pattern: NSRegularExpression?

    /// `xsdPattern` is the `regex` the specification gives for `<name>.value`, if any.
    init(name: String, xsdPattern: String?) throws(FHIRDefinitionsError) {
        self.name = name
        representation = switch name {
        case "boolean": .boolean
        case "integer", "positiveInt", "unsignedInt": .integer
        case "decimal": .decimal
        case "xhtml": .xhtml
        default: .string
        }
        guard let xsdPattern else {
            pattern = nil
            return
        }
        do {
            pattern = try NSRegularExpression(pattern: Self.icuPattern(fromXSD: xsdPattern))
        } catch {
            throw .malformed(file: "elements.json", reason: "the regex of \(name) does not compile: \(xsdPattern)")
        }
    }

    /// Whether the whole of `lexeme` matches the type's pattern (true when it has none) and,
    /// for dates and times, names a real calendar day (the patterns admit `2000-02-30`).
    func matches(_ lexeme: String) -> Bool {
        guard Self.fastMatch(type: name, lexeme) ?? matchesPattern(lexeme) else { return false }
        switch name {
        case "date", "dateTime", "instant": return FHIRDateRange(parsing: lexeme) != nil
        default: return true
        }
    }

    /// The specification's own pattern, through the regex engine.
    func matchesPattern(_ lexeme: String) -> Bool {
        guard let pattern else { return true }
        return pattern.firstMatch(in: lexeme, range: NSRange(lexeme.startIndex..., in: lexeme)) != nil
    }

    /// Exact equivalents of the patterns of the most frequent types, without the regex engine
    /// (which dominated validation time); nil for types that have none. XML Schema's `\s` is
    /// space, tab, CR and LF. Number lexemes arrive already checked against the JSON grammar,
    /// which is the `decimal` pattern. A test holds these to the patterns.
    static func fastMatch(type: String, _ lexeme: String) -> Bool? {
        func isXSDSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let bytes = lexeme.utf8
        switch type {
        case "string", "markdown":
            return !bytes.isEmpty
        case "uri", "url", "canonical":
            return !bytes.contains(where: isXSDSpace)
        case "code":
            guard let first = bytes.first, let last = bytes.last, !isXSDSpace(first), !isXSDSpace(last) else { return false }
            return !zip(bytes, bytes.dropFirst()).contains { isXSDSpace($0) && isXSDSpace($1) }
        case "id":
            return FHIRId.isValid(lexeme)
        case "decimal":
            return true
        case "integer":
            return !bytes.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        case "unsignedInt", "positiveInt":
            let plainDigits = !bytes.contains { $0 < UInt8(ascii: "0") || $0 > UInt8(ascii: "9") }
            return plainDigits && (type == "unsignedInt" || bytes.first != UInt8(ascii: "0"))
        default:
            return nil
        }
    }

    /// Rewrites an XML Schema pattern, the dialect FHIR publishes, for ICU. XML Schema
    /// patterns match the whole value, and there `\s` means only space, tab, CR and LF
    /// (so `\S` admits e.g. a no-break space, which ICU counts as white space).
    static func icuPattern(fromXSD xsd: String) -> String {
        var result = ""
        var inClass = false
        var characters = xsd.makeIterator()
        while let character = characters.next() {
            switch character {
            case "\\":
                guard let escaped = characters.next() else {
                    result.append(character)
                    break
                }
                switch escaped {
                case "s": result += inClass ? " \\t\\n\\r" : "[ \\t\\n\\r]"
                case "S": result += "[^ \\t\\n\\r]"  // inside a class ICU reads this as a nested set
                default: result += "\\\(escaped)"
                }
            case "[":
                inClass = true
                result.append(character)
            case "]":
                inClass = false
                result.append(character)
            default:
                result.append(character)
            }
        }
        return "\\A(?:\(result))\\z"
    }
}
