import FHIRCore

/// Parses an RFC 9535 query: `$`, segments and selectors. Filter expressions are in
/// `RFCFilterParser.swift`.
struct RFCParser {
    var cursor: ScalarCursor
    var nesting = 0

    init(_ text: String) { cursor = ScalarCursor(text) }

    /// The largest magnitude an index or slice bound may have (I-JSON, RFC 9535 §2.1).
    static let maximumInteger = 9_007_199_254_740_991

    mutating func parseQuery() throws(JSONPathError) -> [RFCSegment] {
        guard cursor.consume("$") else { throw cursor.error("a query must start with '$'") }
        let segments = try parseSegments()
        guard cursor.atEnd else { throw cursor.error("unexpected character") }
        return segments
    }

    /// segments = *(S segment); blanks after the last segment are left unread.
    mutating func parseSegments() throws(JSONPathError) -> [RFCSegment] {
        var segments: [RFCSegment] = []
        while true {
            let save = cursor.position
            skipBlanks()
            if cursor.peekIs("."), cursor.peekIs(".", 1) {
                cursor.advance(2)
                if cursor.peekIs("[") {
                    segments.append(RFCSegment(descendant: true, selectors: try parseBracketedSelection()))
                } else {
                    segments.append(RFCSegment(descendant: true, selectors: [try parseDotSelector()]))
                }
            } else if cursor.peekIs(".") {
                cursor.advance()
                segments.append(RFCSegment(descendant: false, selectors: [try parseDotSelector()]))
            } else if cursor.peekIs("[") {
                segments.append(RFCSegment(descendant: false, selectors: try parseBracketedSelection()))
            } else {
                cursor.position = save
                return segments
            }
        }
    }

    mutating func skipBlanks() {
        while let scalar = cursor.peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            cursor.advance()
        }
    }

    /// After `.` or `..`: `*` or a member-name shorthand.
    private mutating func parseDotSelector() throws(JSONPathError) -> RFCSelector {
        if cursor.consume("*") { return .wildcard }
        guard let first = cursor.peek(), Self.isNameFirst(first) else {
            throw cursor.error("expected a member name or '*'")
        }
        let start = cursor.position
        while let scalar = cursor.peek(), Self.isNameFirst(scalar) || ("0"..."9").contains(scalar) {
            cursor.advance()
        }
        return .name(cursor.text(from: start, to: cursor.position))
    }

    static func isNameFirst(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar.value >= 0x80
    }

    /// "[" S selector *(S "," S selector) S "]"
    private mutating func parseBracketedSelection() throws(JSONPathError) -> [RFCSelector] {
        cursor.advance()  // [
        var selectors: [RFCSelector] = []
        while true {
            skipBlanks()
            selectors.append(try parseSelector())
            skipBlanks()
            if cursor.consume("]") { return selectors }
            guard cursor.consume(",") else { throw cursor.error("expected ',' or ']'") }
        }
    }

    private mutating func parseSelector() throws(JSONPathError) -> RFCSelector {
        guard let scalar = cursor.peek() else { throw cursor.error("unexpected end of query") }
        switch scalar {
        case "'", "\"": return .name(try parseStringLiteral())
        case "*":
            cursor.advance()
            return .wildcard
        case "?":
            cursor.advance()
            try enterNesting()
            defer { nesting -= 1 }
            skipBlanks()
            return .filter(try parseFilterExpression())
        case "-", "0"..."9", ":":
            return try parseIndexOrSlice()
        default:
            throw cursor.error("unexpected character in selector")
        }
    }

    mutating func enterNesting() throws(JSONPathError) {
        nesting += 1
        guard nesting <= JSONPathQuery.maximumNesting else {
            throw cursor.error("nesting deeper than \(JSONPathQuery.maximumNesting)", kind: .nestingTooDeep)
        }
    }

    /// index-selector, or slice-selector = [start S] ":" S [end S] [":" [S step]]
    private mutating func parseIndexOrSlice() throws(JSONPathError) -> RFCSelector {
        let start = try parseOptionalInteger()
        skipBlanks()
        guard cursor.consume(":") else {
            guard let start else { throw cursor.error("expected an index") }
            return .index(start)
        }
        skipBlanks()
        let end = try parseOptionalInteger()
        skipBlanks()
        var step: Int?
        if cursor.consume(":") {
            skipBlanks()
            step = try parseOptionalInteger()
        }
        return .slice(start: start, end: end, step: step)
    }

    /// int = "0" / (["-"] DIGIT1 *DIGIT), within ±(2^53 − 1).
    private mutating func parseOptionalInteger() throws(JSONPathError) -> Int? {
        let start = cursor.position
        let negative = cursor.consume("-")
        guard let first = cursor.peek(), ("0"..."9").contains(first) else {
            if negative { throw cursor.error("expected a digit after '-'") }
            return nil
        }
        if first == "0" {
            cursor.advance()
            if negative { throw cursor.error("'-0' is not an index", at: start) }
            if let next = cursor.peek(), ("0"..."9").contains(next) {
                throw cursor.error("leading zeros are not allowed", at: start)
            }
            return 0
        }
        var magnitude = 0
        while let digit = cursor.peek(), ("0"..."9").contains(digit) {
            magnitude = magnitude * 10 + Int(digit.value - 0x30)
            guard magnitude <= Self.maximumInteger else {
                throw cursor.error("integer out of range ±(2^53−1)", at: start)
            }
            cursor.advance()
        }
        return negative ? -magnitude : magnitude
    }

    /// A single- or double-quoted string with JSON-style escapes (RFC 9535 §2.3.1.1).
    mutating func parseStringLiteral() throws(JSONPathError) -> String {
        guard let quote = cursor.peek() else { throw cursor.error("expected a string") }
        let start = cursor.position
        cursor.advance()
        var text = String.UnicodeScalarView()
        while true {
            guard let scalar = cursor.peek() else { throw cursor.error("unterminated string", at: start) }
            cursor.advance()
            if scalar == quote { return String(text) }
            if scalar.value < 0x20 { throw cursor.error("control character in string", at: cursor.position - 1) }
            guard scalar == "\\" else {
                text.append(scalar)
                continue
            }
            guard let escaped = cursor.peek() else { throw cursor.error("unterminated string", at: start) }
            cursor.advance()
            switch escaped {
            case "b": text.append("\u{08}")
            case "f": text.append("\u{0C}")
            case "n": text.append("\n")
            case "r": text.append("\r")
            case "t": text.append("\t")
            case "/", "\\": text.append(escaped)
            case "u": text.append(try parseUnicodeEscape())
            case _ where escaped == quote: text.append(escaped)
            default: throw cursor.error("invalid escape", at: cursor.position - 2)
            }
        }
    }

    /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
    private mutating func parseUnicodeEscape() throws(JSONPathError) -> Unicode.Scalar {
        let start = cursor.position - 2
        let unit = try parseHex4()
        if (0xDC00...0xDFFF).contains(unit) { throw cursor.error("lone low surrogate", at: start) }
        if (0xD800...0xDBFF).contains(unit) {
            guard cursor.consume("\\u") else { throw cursor.error("high surrogate without a low one", at: start) }
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low),
                  let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) else {
                throw cursor.error("invalid surrogate pair", at: start)
            }
            return scalar
        }
        guard let scalar = Unicode.Scalar(unit) else { throw cursor.error("invalid escape", at: start) }
        return scalar
    }

    private mutating func parseHex4() throws(JSONPathError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = cursor.peek(), let digit = Character(scalar).hexDigitValue, scalar.isASCII else {
                throw cursor.error("expected four hex digits")
            }
            value = value << 4 | UInt32(digit)
            cursor.advance()
        }
        return value
    }
}
