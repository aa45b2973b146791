import FHIRCore

/// A JMESPath token with its offset (in Unicode scalars).
struct Token {
    enum Kind: Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case number(Int)
        case literal(JSONValue)
        case dot, star, flatten, filter, leftBracket, rightBracket, leftBrace, rightBrace
        case leftParen, rightParen, comma, colon, current, expref, pipe, or, and, not
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case end
    }

    let kind: Kind
    let offset: Int
}

/// Splits an expression into tokens (JMESPath specification, "Grammar").
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static func tokenize(_ text: String) throws(JMESPathError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private func error(_ message: String, at offset: Int) -> JMESPathError {
        JMESPathError(kind: .syntax, message: message, offset: offset)
    }

    private mutating func next() throws(JMESPathError) -> Token {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
        let start = position
        guard let scalar = peek() else { return Token(kind: .end, offset: start) }
        func single(_ kind: Token.Kind, length: Int = 1) -> Token {
            position += length
            return Token(kind: kind, offset: start)
        }
        func pair(_ second: Unicode.Scalar, _ double: Token.Kind, else singleKind: Token.Kind) -> Token {
            peek(1) == second ? single(double, length: 2) : single(singleKind)
        }
        switch scalar {
        case "a"..."z", "A"..."Z", "_":
            while let next = peek(), Self.isIdentifierCharacter(next) { position += 1 }
            return Token(kind: .identifier(text(start, position)), offset: start)
        case "0"..."9", "-":
            return try number(start)
        case ".": return single(.dot)
        case "*": return single(.star)
        case "]": return single(.rightBracket)
        case "{": return single(.leftBrace)
        case "}": return single(.rightBrace)
        case "(": return single(.leftParen)
        case ")": return single(.rightParen)
        case ",": return single(.comma)
        case ":": return single(.colon)
        case "@": return single(.current)
        case "[":
            if peek(1) == "]" { return single(.flatten, length: 2) }
            if peek(1) == "?" { return single(.filter, length: 2) }
            return single(.leftBracket)
        case "|": return pair("|", .or, else: .pipe)
        case "&": return pair("&", .and, else: .expref)
        case "!": return pair("=", .notEqual, else: .not)
        case "<": return pair("=", .lessOrEqual, else: .less)
        case ">": return pair("=", .greaterOrEqual, else: .greater)
        case "=":
            guard peek(1) == "=" else { throw error("'=' is not an operator (use '==')", at: start) }
            return single(.equal, length: 2)
        case "\"": return Token(kind: .quotedIdentifier(try quotedIdentifier(start)), offset: start)
        case "'":
            let raw = try delimited(by: "'", start).replacingOccurrences(of: "\\'", with: "'")
            return Token(kind: .literal(.string(raw)), offset: start)
        case "`": return Token(kind: .literal(try literal(start)), offset: start)
        default:
            throw error("unexpected character '\(Character(scalar))'", at: start)
        }
    }

    static func isIdentifierCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
    }

    private func text(_ start: Int, _ end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    /// `-?[0-9]+`; values beyond `Int` saturate (they index nothing either way).
    private mutating func number(_ start: Int) throws(JMESPathError) -> Token {
        let negative = peek() == "-"
        if negative { position += 1 }
        var value = 0
        var digits = 0
        while let digit = peek(), ("0"..."9").contains(digit) {
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int(digit.value - 0x30))
            value = overflowA || overflowB ? Int.max : sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw error("'-' must be followed by digits", at: start) }
        return Token(kind: .number(negative ? -value : value), offset: start)
    }

    /// The text up to an unescaped `delimiter`, backslashes kept; the cursor ends after it.
    private mutating func delimited(by delimiter: Unicode.Scalar, _ start: Int) throws(JMESPathError) -> String {
        position += 1
        var view = String.UnicodeScalarView()
        while true {
            guard var scalar = peek() else { throw error("unclosed \(Character(delimiter))", at: start) }
            if scalar == delimiter { break }
            if scalar == "\\" {
                view.append(scalar)
                position += 1
                guard let escaped = peek() else { throw error("unclosed \(Character(delimiter))", at: start) }
                scalar = escaped
            }
            view.append(scalar)
            position += 1
        }
        position += 1
        return String(view)
    }

    private mutating func quotedIdentifier(_ start: Int) throws(JMESPathError) -> String {
        let body = try delimited(by: "\"", start)
        guard case .string(let name)? = try? JSONReader.parse("\"" + body + "\"") else {
            throw error("invalid quoted identifier", at: start)
        }
        return name
    }

    /// `` `json` ``; text that is not JSON is read as a string (the deprecated JEP-12 form).
    private mutating func literal(_ start: Int) throws(JMESPathError) -> JSONValue {
        let body = try delimited(by: "`", start).replacingOccurrences(of: "\\`", with: "`")
        if let value = try? JSONReader.parse(body) { return value }
        let trimmed = String(body.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }))
        if let value = try? JSONReader.parse("\"" + trimmed + "\"") { return value }
        throw error("invalid JSON literal", at: start)
    }
}
