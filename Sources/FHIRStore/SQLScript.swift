/// Splits a SQL script into its statements, for running migration files statement by
/// statement (postgres-nio's extended protocol accepts one statement per query).
///
/// Semicolons inside quoted strings, quoted identifiers, dollar-quoted bodies (`$$ … $$`,
/// `$tag$ … $tag$`) and comments do not end a statement.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        let characters = Array(script)
        var statements: [String] = []
        var current = ""
        var index = 0

        func flush() {
            let statement = current.trimmingWhitespace()
            if !statement.isEmpty, !statement.isOnlyComments { statements.append(statement) }
            current = ""
        }
        func copy(until terminator: [Character]) {
            while index < characters.count {
                if characters[index...].starts(with: terminator) {
                    current += String(terminator)
                    index += terminator.count
                    return
                }
                current.append(characters[index])
                index += 1
            }
        }

        while index < characters.count {
            let character = characters[index]
            switch character {
            case ";":
                index += 1
                flush()
            case "'", "\"":
                current.append(character)
                index += 1
                copy(until: [character])
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                copy(until: ["\n"])
            case "/" where index + 1 < characters.count && characters[index + 1] == "*":
                current += "/*"
                index += 2
                copy(until: ["*", "/"])
            case "$":
                // A dollar-quote tag is $ident$ or $$; a positional parameter ($1) is not one.
                var end = index + 1
                while end < characters.count, characters[end].isLetter || characters[end] == "_"
                    || (end > index + 1 && characters[end].isNumber) {
                    end += 1
                }
                if end < characters.count, characters[end] == "$" {
                    let tag = Array(characters[index...end])
                    current += String(tag)
                    index = end + 1
                    copy(until: tag)
                } else {
                    current.append(character)
                    index += 1
                }
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// True when every line is a `--` comment (such a "statement" is nothing to run).
    fileprivate var isOnlyComments: Bool {
        split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
