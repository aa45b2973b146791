/// The escapes of search values: `\,` `\$` `\|` and `\\` stand for the character itself, so
/// that it does not separate OR values, composite parts or token and quantity parts. Values
/// are split on unescaped separators first, keeping the escapes, then each part is unescaped.
enum SearchValueEscaping {
    /// The parts of `text` between unescaped `separator`s, escapes kept (`a\,b,c` on `,` →
    /// `a\,b`, `c`). Always at least one part.
    static func split(_ text: Substring, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\\", text.index(after: index) < text.endIndex {
                index = text.index(index, offsetBy: 2)
                continue
            }
            if character == separator {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }

    /// `text` with its escapes replaced by the characters they stand for. A backslash before
    /// any other character (or at the end) is kept as written.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == "\\", next < text.endIndex, escapable.contains(text[next]) {
                result.append(text[next])
                index = text.index(after: next)
            } else {
                result.append(text[index])
                index = next
            }
        }
        return result
    }

    private static let escapable: Set<Character> = [",", "$", "|", "\\"]
}
