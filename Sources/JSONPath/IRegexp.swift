import Foundation

/// A compiled regular expression. `NSRegularExpression` is immutable and documented as safe
/// to share between threads, hence the unchecked conformance.
final class CompiledRegex: @unchecked Sendable {
    private let regex: NSRegularExpression

    init?(icuPattern: String, options: NSRegularExpression.Options = []) {
        guard let regex = try? NSRegularExpression(pattern: icuPattern, options: options) else { return nil }
        self.regex = regex
    }

    /// True when the pattern matches somewhere in `subject` (anchors in the pattern decide the rest).
    func matches(_ subject: String) -> Bool {
        regex.firstMatch(in: subject, range: NSRange(location: 0, length: subject.utf16.count)) != nil
    }
}

/// I-Regexp (RFC 9485) checked and translated to ICU syntax for `NSRegularExpression`.
enum IRegexp {
    /// `match` anchors the pattern to the whole string; `search` looks for it anywhere.
    /// `nil` when the pattern is not a valid I-Regexp.
    static func compile(_ pattern: String, wholeString: Bool) -> CompiledRegex? {
        var translator = Translator(scalars: Array(pattern.unicodeScalars))
        guard let body = translator.regexp(), translator.position == translator.scalars.count else { return nil }
        return CompiledRegex(icuPattern: wholeString ? "\\A(?:\(body))\\z" : body)
    }

    private struct Translator {
        let scalars: [Unicode.Scalar]
        var position = 0
        var depth = 0

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            position + offset < scalars.count ? scalars[position + offset] : nil
        }

        /// i-regexp = branch *( "|" branch )
        mutating func regexp() -> String? {
            var text = ""
            while true {
                while let scalar = peek(), scalar != "|", scalar != ")" {
                    guard let piece = piece() else { return nil }
                    text += piece
                }
                guard peek() == "|" else { return text }
                position += 1
                text += "|"
            }
        }

        mutating func piece() -> String? {
            guard var text = atom() else { return nil }
            switch peek() {
            case "*", "+", "?":
                text.unicodeScalars.append(scalars[position])
                position += 1
            case "{":
                position += 1
                guard let low = quantity() else { return nil }
                text += "{\(low)"
                if peek() == "," {
                    position += 1
                    text += ","
                    if peek() != "}" {
                        guard let high = quantity() else { return nil }
                        text += high
                    }
                }
                guard peek() == "}" else { return nil }
                position += 1
                text += "}"
            default: break
            }
            return text
        }

        mutating func quantity() -> String? {
            var digits = ""
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                position += 1
            }
            return digits.isEmpty || digits.count > 9 ? nil : digits
        }

        mutating func atom() -> String? {
            guard let scalar = peek() else { return nil }
            switch scalar {
            case "(":
                guard depth < 64 else { return nil }
                position += 1
                depth += 1
                guard let inner = regexp(), peek() == ")" else { return nil }
                position += 1
                depth -= 1
                return "(?:\(inner))"
            case ".":
                position += 1
                return "[^\\n\\r]"
            case "[": return characterClass()
            case "^", "$":  // anchors, as the compliance suite (and ECMAScript translations) read them
                position += 1
                return scalar == "^" ? "\\A" : "\\z"
            case "\\":
                if let property = categoryEscape() { return property }
                return singleCharacterEscape().map(Self.literal)
            case ")", "*", "+", "?", "]", "{", "|", "}": return nil
            default:
                position += 1
                return Self.literal(scalar)
            }
        }

        /// `\p{Lu}` / `\P{Lu}`, returned in ICU syntax; `nil` (position unchanged) if not one.
        mutating func categoryEscape() -> String? {
            guard peek() == "\\", let kind = peek(1), kind == "p" || kind == "P", peek(2) == "{" else { return nil }
            var name = ""
            var offset = 3
            while let scalar = peek(offset), scalar != "}" {
                name.unicodeScalars.append(scalar)
                offset += 1
            }
            guard peek(offset) == "}", Self.categories.contains(name) else { return nil }
            position += offset + 1
            return "\\\(kind){\(name)}"
        }

        static let categories: Set<String> = [
            "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
            "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Z", "Zl", "Zp", "Zs",
            "S", "Sc", "Sk", "Sm", "So", "C", "Cc", "Cf", "Cn", "Co",
        ]

        /// SingleCharEsc: the escaped character itself.
        mutating func singleCharacterEscape() -> Unicode.Scalar? {
            guard peek() == "\\", let scalar = peek(1) else { return nil }
            let result: Unicode.Scalar
            switch scalar {
            case "n": result = "\n"
            case "r": result = "\r"
            case "t": result = "\t"
            case "(", ")", "*", "+", "-", ".", "?", "[", "\\", "]", "^", "{", "|", "}": result = scalar
            default: return nil
            }
            position += 2
            return result
        }

        /// charClassExpr = "[" [ "^" ] ( "-" / CCE1 ) *CCE1 [ "-" ] "]"
        mutating func characterClass() -> String? {
            position += 1
            var text = "["
            if peek() == "^" {
                text += "^"
                position += 1
            }
            var isFirst = true
            while true {
                guard let scalar = peek() else { return nil }
                if scalar == "]" {
                    guard !isFirst else { return nil }
                    position += 1
                    return text + "]"
                }
                if scalar == "-" {
                    guard isFirst || peek(1) == "]" else { return nil }
                    position += 1
                    text += "\\-"
                } else if let property = categoryEscape() {
                    text += property
                } else {
                    guard let low = classCharacter() else { return nil }
                    if peek() == "-", let next = peek(1), next != "]" {
                        position += 1
                        guard let high = classCharacter(), low.value <= high.value else { return nil }
                        text += Self.literal(low) + "-" + Self.literal(high)
                    } else {
                        text += Self.literal(low)
                    }
                }
                isFirst = false
            }
        }

        mutating func classCharacter() -> Unicode.Scalar? {
            guard let scalar = peek() else { return nil }
            switch scalar {
            case "\\": return singleCharacterEscape()
            case "-", "[", "]": return nil
            default:
                position += 1
                return scalar
            }
        }

        /// A scalar as an ICU literal: letters and digits as is, anything else as `\x{…}`.
        static func literal(_ scalar: Unicode.Scalar) -> String {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                return String(scalar)
            }
            return "\\x{\(String(scalar.value, radix: 16))}"
        }
    }
}
