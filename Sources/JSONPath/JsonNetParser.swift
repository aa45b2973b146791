import FHIRCore

/// Parses Newtonsoft Json.NET path syntax (`JPath`), quirks included: optional `$`, member names
/// that run up to `.`/`[`/`(`/`]`/`)`/space, `@name` without a dot, `[?( … )]` with mandatory
/// parentheses, single-quoted strings only, `&&`/`||` grouped right to left.
struct JsonNetParser {
    private var cursor: ScalarCursor
    private var nesting = 0

    init(_ text: String) { cursor = ScalarCursor(text) }

    mutating func parsePath() throws(JSONPathError) -> [JsonNetStep] {
        eatSpaces()
        var partStart = cursor.position
        guard !cursor.atEnd else { return [] }
        if cursor.peekIs("$") {
            guard let next = cursor.peek(1) else { return [] }
            if next == "." || next == "[" {  // otherwise `$x` is a member named "$x"
                cursor.advance()
                partStart = cursor.position
            }
        }
        var steps: [JsonNetStep] = []
        if try !parseSteps(into: &steps, partStart: partStart, inQuery: false) {
            let stop = cursor.position
            eatSpaces()
            if !cursor.atEnd {
                throw cursor.error("Unexpected character while parsing path: \(Character(cursor.scalars[stop]))", at: stop)
            }
        }
        return steps
    }

    private mutating func eatSpaces() {
        while cursor.peekIs(" ") { cursor.advance() }
    }

    private func ensureMore(_ message: String) throws(JSONPathError) {
        if cursor.atEnd { throw cursor.error(message) }
    }

    private func current() -> Character { cursor.peek().map(Character.init) ?? "\0" }

    /// Reads steps until the path ends; returns true if it ran to the end of the text.
    private mutating func parseSteps(
        into steps: inout [JsonNetStep], partStart start: Int, inQuery: Bool
    ) throws(JSONPathError) -> Bool {
        var partStart = start
        var scan = false
        var followingIndexer = false
        var followingDot = false
        loop: while let scalar = cursor.peek() {
            switch scalar {
            case "[", "(":
                if cursor.position > partStart {
                    steps.append(Self.member(cursor.text(from: partStart, to: cursor.position), scan: scan))
                    scan = false
                }
                steps.append(try parseIndexer(opening: scalar, scan: scan))
                scan = false
                cursor.advance()
                partStart = cursor.position
                followingIndexer = true
                followingDot = false
            case "]", ")", " ":
                break loop
            case ".":
                if cursor.position > partStart {
                    steps.append(Self.member(cursor.text(from: partStart, to: cursor.position), scan: scan))
                    scan = false
                }
                if cursor.peekIs(".", 1) {
                    scan = true
                    cursor.advance()
                }
                cursor.advance()
                partStart = cursor.position
                followingIndexer = false
                followingDot = true
            default:
                if inQuery, "=<!>|&".unicodeScalars.contains(scalar) { break loop }
                if followingIndexer {
                    throw cursor.error("Unexpected character following indexer: \(Character(scalar))")
                }
                cursor.advance()
            }
        }
        let atPathEnd = cursor.atEnd
        if cursor.position > partStart {
            var name = cursor.text(from: partStart, to: cursor.position)
            while name.last?.isWhitespace == true { name.removeLast() }
            steps.append(Self.member(name, scan: scan))
        } else if followingDot && (atPathEnd || inQuery) {
            throw cursor.error("Unexpected end while parsing path.")
        }
        return atPathEnd
    }

    private static func member(_ name: String, scan: Bool) -> JsonNetStep {
        let name: String? = name == "*" ? nil : name
        return scan ? .scan(name) : .field(name)
    }

    /// After `[` or `(`; leaves the cursor on the closing bracket.
    private mutating func parseIndexer(opening: Unicode.Scalar, scan: Bool) throws(JSONPathError) -> JsonNetStep {
        cursor.advance()
        let closing: Unicode.Scalar = opening == "[" ? "]" : ")"
        try ensureMore("Path ended with open indexer.")
        eatSpaces()
        try ensureMore("Path ended with open indexer.")
        if cursor.peekIs("'") { return try parseQuotedFields(closing: closing, scan: scan) }
        if cursor.peekIs("?") { return try parseQuery(closing: closing, scan: scan) }
        return try parseArrayIndexer(closing: closing)  // `..` before an index is dropped, as in Json.NET
    }

    /// `[0]`, `[0,1]`, `[*]`, `[start:end:step]`.
    private mutating func parseArrayIndexer(closing: Unicode.Scalar) throws(JSONPathError) -> JsonNetStep {
        var start = cursor.position
        var end: Int?
        var indexes: [Int]?
        var colons = 0
        var sliceParts: [Int?] = [nil, nil, nil]
        while let scalar = cursor.peek() {
            if scalar == " " {
                end = cursor.position
                eatSpaces()
                continue
            }
            let length = (end ?? cursor.position) - start
            if scalar == closing {
                if var list = indexes {
                    list.append(try integer(from: start, length: length))
                    return .indexes(list)
                }
                if colons > 0 {
                    if length > 0 { sliceParts[min(colons, 2)] = try integer(from: start, length: length, allowNegative: true) }
                    if sliceParts[2] == 0 { throw cursor.error("Step cannot be zero.") }
                    return .slice(start: sliceParts[0], end: sliceParts[1], step: sliceParts[2])
                }
                return .index(try integer(from: start, length: length))
            } else if scalar == "," {
                indexes = (indexes ?? []) + [try integer(from: start, length: length)]
                cursor.advance()
                eatSpaces()
                start = cursor.position
                end = nil
            } else if scalar == "*" {
                cursor.advance()
                try ensureMore("Path ended with open indexer.")
                eatSpaces()
                guard cursor.peek() == closing else {
                    throw cursor.error("Unexpected character while parsing path indexer: *")
                }
                return .allElements
            } else if scalar == ":" {
                if length > 0 { sliceParts[min(colons, 2)] = try integer(from: start, length: length, allowNegative: true) }
                colons += 1
                cursor.advance()
                eatSpaces()
                start = cursor.position
                end = nil
            } else if ("0"..."9").contains(scalar) || scalar == "-", end == nil {
                cursor.advance()
            } else {
                throw cursor.error("Unexpected character while parsing path indexer: \(Character(scalar))")
            }
        }
        throw cursor.error("Path ended with open indexer.")
    }

    /// An Int32 index. Json.NET throws on a negative single index when it meets an array, so it
    /// is rejected here, at compile time; slices accept negative bounds.
    private func integer(from start: Int, length: Int, allowNegative: Bool = false) throws(JSONPathError) -> Int {
        let text = cursor.text(from: start, to: start + length)
        guard length > 0 else { throw cursor.error("Array index expected.", at: start) }
        guard let value = Int32(text) else { throw cursor.error("Invalid array index '\(text)'", at: start) }
        guard allowNegative || value >= 0 else {
            throw cursor.error("Negative array index \(value) (Json.NET fails on it at evaluation)", at: start)
        }
        return Int(value)
    }

    /// `['a']` or `['a','b']`.
    private mutating func parseQuotedFields(closing: Unicode.Scalar, scan: Bool) throws(JSONPathError) -> JsonNetStep {
        var names: [String]?
        while !cursor.atEnd {
            let name = try readQuotedString()
            eatSpaces()
            try ensureMore("Path ended with open indexer.")
            if cursor.peek() == closing {
                guard var list = names else { return scan ? .scan(name) : .field(name) }
                list.append(name)
                return scan ? .scanFields(list) : .fields(list)
            }
            guard cursor.peekIs(",") else {
                throw cursor.error("Unexpected character while parsing path indexer: \(current())")
            }
            cursor.advance()
            eatSpaces()
            names = (names ?? []) + [name]
        }
        throw cursor.error("Path ended with open indexer.")
    }

    /// Skips the opening quote and reads to the closing `'`. Escapes: `\b \t \n \f \r \\ \" \' \/`.
    private mutating func readQuotedString() throws(JSONPathError) -> String {
        let start = cursor.position
        cursor.advance()
        var text = String.UnicodeScalarView()
        while let scalar = cursor.peek() {
            if scalar == "\\", let escaped = cursor.peek(1) {
                switch escaped {
                case "b": text.append("\u{08}")
                case "t": text.append("\t")
                case "n": text.append("\n")
                case "f": text.append("\u{0C}")
                case "r": text.append("\r")
                case "\\", "\"", "'", "/": text.append(escaped)
                default: throw cursor.error("Unknown escape character: \\\(Character(escaped))")
                }
                cursor.advance(2)
            } else if scalar == "'" {
                cursor.advance()
                return String(text)
            } else {
                text.append(scalar)
                cursor.advance()
            }
        }
        throw cursor.error("Path ended with an open string.", at: start)
    }

    /// `[?( … )]`; leaves the cursor on the closing bracket.
    private mutating func parseQuery(closing: Unicode.Scalar, scan: Bool) throws(JSONPathError) -> JsonNetStep {
        cursor.advance()
        try ensureMore("Path ended with open indexer.")
        guard cursor.peekIs("(") else {
            throw cursor.error("Unexpected character while parsing path indexer: \(current())")
        }
        cursor.advance()
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= JSONPathQuery.maximumNesting else {
            throw cursor.error("nesting deeper than \(JSONPathQuery.maximumNesting)", kind: .nestingTooDeep)
        }
        let condition = try parseCondition()
        cursor.advance()  // )
        try ensureMore("Path ended with open indexer.")
        eatSpaces()
        guard cursor.peek() == closing else {
            throw cursor.error("Unexpected character while parsing path indexer: \(current())")
        }
        return .filter(condition, scan: scan)
    }

    /// Tests joined by `&&`/`||`. Like Json.NET, each change of operator nests the rest of the
    /// expression: `a && b || c` is `a && (b || c)`.
    private mutating func parseCondition() throws(JSONPathError) -> JsonNetCondition {
        var levels: [(isAnd: Bool, items: [JsonNetCondition])] = []
        while !cursor.atEnd {
            let left = try parseSide()
            var comparison = JsonNetTest.Operator.exists
            var right: JsonNetOperand?
            if !(cursor.peekIs(")") || cursor.peekIs("|") || cursor.peekIs("&")) {
                comparison = try parseOperator()
                right = try parseSide()
            }
            let test = JsonNetCondition.test(JsonNetTest(
                comparison: comparison, left: left, right: right, literalRegex: Self.literalRegex(comparison, right)))
            if cursor.peekIs(")") {
                guard !levels.isEmpty else { return test }
                levels[levels.count - 1].items.append(test)
                return Self.fold(levels)
            }
            for (symbol, isAnd) in [("&", true), ("|", false)] where cursor.peekIs(Character(symbol)) {
                guard cursor.consume(symbol + symbol) else {
                    throw cursor.error("Unexpected character while parsing path query: \(current())")
                }
                if levels.last?.isAnd != isAnd { levels.append((isAnd, [])) }
                levels[levels.count - 1].items.append(test)
            }
        }
        throw cursor.error("Path ended with open query.")
    }

    private static func fold(_ levels: [(isAnd: Bool, items: [JsonNetCondition])]) -> JsonNetCondition {
        var result: JsonNetCondition?
        for level in levels.reversed() {
            let items = level.items + (result.map { [$0] } ?? [])
            result = level.isAnd ? .all(items) : .any(items)
        }
        return result ?? .all([])
    }

    private static func literalRegex(_ comparison: JsonNetTest.Operator, _ right: JsonNetOperand?) -> CompiledRegex?? {
        guard comparison == .regex, case .value(.string(let source))? = right else { return nil }
        return .some(JsonNetRegex.compile(source))
    }

    private mutating func parseSide() throws(JSONPathError) -> JsonNetOperand {
        eatSpaces()
        try ensureMore("Path ended with open query.")
        let operand: JsonNetOperand
        if let scalar = cursor.peek(), scalar == "$" || scalar == "@" {
            cursor.advance()
            var steps: [JsonNetStep] = scalar == "$" ? [.root] : []
            if try parseSteps(into: &steps, partStart: cursor.position, inQuery: true) {
                throw cursor.error("Path ended with open query.")
            }
            operand = .path(steps)
        } else if let value = try parseValue() {
            operand = .value(value)
        } else {
            throw cursor.error("Unexpected character while parsing path query: \(current())")
        }
        eatSpaces()
        try ensureMore("Path ended with open query.")
        return operand
    }

    /// A literal: `'string'`, a number (read up to a space or `)`), `true`, `false`, `null`, or
    /// `/regex/flags` (kept as its source string, as Json.NET does).
    private mutating func parseValue() throws(JSONPathError) -> JSONValue? {
        guard let scalar = cursor.peek() else { return .none }
        switch scalar {
        case "'": return .string(try readQuotedString())
        case "-", "0"..."9":
            let start = cursor.position
            while let next = cursor.peek(), next != " ", next != ")" { cursor.advance() }
            guard !cursor.atEnd else { return .none }
            return JsonNetNumber.literal(cursor.text(from: start, to: cursor.position))
        case "t": return cursor.consume("true") ? .some(.bool(true)) : .none
        case "f": return cursor.consume("false") ? .some(.bool(false)) : .none
        case "n": return cursor.consume("null") ? .some(.null) : .none
        case "/": return .string(try readRegexSource())
        default: return .none
        }
    }

    private mutating func readRegexSource() throws(JSONPathError) -> String {
        let start = cursor.position
        cursor.advance()
        while let scalar = cursor.peek() {
            if scalar == "\\", cursor.peek(1) != nil {
                cursor.advance(2)
            } else if scalar == "/" {
                cursor.advance()
                while let flag = cursor.peek(), flag.properties.isAlphabetic { cursor.advance() }
                return cursor.text(from: start, to: cursor.position)
            } else {
                cursor.advance()
            }
        }
        throw cursor.error("Path ended with an open regex.", at: start)
    }

    private mutating func parseOperator() throws(JSONPathError) -> JsonNetTest.Operator {
        guard cursor.position + 1 < cursor.scalars.count else { throw cursor.error("Path ended with open query.") }
        let operators: [(String, JsonNetTest.Operator)] = [
            ("===", .strictEqual), ("==", .equal), ("=~", .regex), ("!==", .strictNotEqual), ("!=", .notEqual),
            ("<>", .notEqual), ("<=", .lessOrEqual), ("<", .less), (">=", .greaterOrEqual), (">", .greater),
        ]
        for (symbol, comparison) in operators where cursor.consume(symbol) { return comparison }
        throw cursor.error("Could not read query operator.")
    }
}
