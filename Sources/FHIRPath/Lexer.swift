/// One lexical token of a FHIRPath expression, with the UTF-8 offset where it starts.
struct Token: Equatable {
    enum Kind: Equatable {
        /// A name: plain (`value`, `where`, `and`) or back-quoted (`` `div` ``).
        case identifier(String, quoted: Bool)
        case string(String)
        /// A number lexeme, `12` or `1.50`.
        case number(String)
        /// The text after `@`: `2015-02-04`, `2015-02-04T14:34:28Z`, `T14:34`.
        case dateTime(String)
        /// `%name`, `` %`name` `` or `%'name'`.
        case externalConstant(String)
        /// `$this`, `$index`, `$total`.
        case special(String)
        /// Punctuation and symbolic operators: `.`, `(`, `<=`, `!~`, ...
        case symbol(String)
        case end
    }

    let kind: Kind
    let offset: Int
}

/// Splits an expression into tokens, skipping whitespace and comments.
struct Lexer {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    static func tokens(of text: String) throws(FHIRPathSyntaxError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func error(_ message: String, at offset: Int? = nil) -> FHIRPathSyntaxError {
        FHIRPathSyntaxError(offset: offset ?? position, message: message)
    }

    private mutating func next() throws(FHIRPathSyntaxError) -> Token {
        try skipTrivia()
        let start = position
        guard let first = byte(at: position) else { return Token(kind: .end, offset: start) }
        switch first {
        case UInt8(ascii: "'"):
            return Token(kind: .string(try quoted(UInt8(ascii: "'"))), offset: start)
        case UInt8(ascii: "`"):
            return Token(kind: .identifier(try quoted(UInt8(ascii: "`")), quoted: true), offset: start)
        case UInt8(ascii: "%"):
            position += 1
            switch byte(at: position) {
            case UInt8(ascii: "'"): return Token(kind: .externalConstant(try quoted(UInt8(ascii: "'"))), offset: start)
            case UInt8(ascii: "`"): return Token(kind: .externalConstant(try quoted(UInt8(ascii: "`"))), offset: start)
            default:
                guard let name = plainIdentifier() else { throw error("expected a name after '%'") }
                return Token(kind: .externalConstant(name), offset: start)
            }
        case UInt8(ascii: "$"):
            position += 1
            guard let name = plainIdentifier() else { throw error("expected a name after '$'") }
            return Token(kind: .special(name), offset: start)
        case UInt8(ascii: "@"):
            position += 1
            let textStart = position
            while let byte = byte(at: position), Self.isDateTimeByte(byte) { position += 1 }
            guard position > textStart else { throw error("expected a date or time after '@'") }
            return Token(kind: .dateTime(String(decoding: bytes[textStart..<position], as: UTF8.self)), offset: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return Token(kind: .number(number()), offset: start)
        default:
            if let name = plainIdentifier() { return Token(kind: .identifier(name, quoted: false), offset: start) }
            return Token(kind: .symbol(try symbol()), offset: start)
        }
    }

    private mutating func skipTrivia() throws(FHIRPathSyntaxError) {
        while let current = byte(at: position) {
            switch current {
            case 0x20, 0x09, 0x0A, 0x0D:
                position += 1
            case UInt8(ascii: "/") where byte(at: position + 1) == UInt8(ascii: "/"):
                while let byte = byte(at: position), byte != 0x0A { position += 1 }
            case UInt8(ascii: "/") where byte(at: position + 1) == UInt8(ascii: "*"):
                let start = position
                position += 2
                while byte(at: position) != nil,
                      !(byte(at: position) == UInt8(ascii: "*") && byte(at: position + 1) == UInt8(ascii: "/")) {
                    position += 1
                }
                guard byte(at: position) != nil else { throw error("unterminated comment", at: start) }
                position += 2
            default:
                return
            }
        }
    }

    private static func isIdentifierByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }

    private static func isDateTimeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "."),
             UInt8(ascii: "+"), UInt8(ascii: "T"), UInt8(ascii: "Z"): true
        default: false
        }
    }

    private mutating func plainIdentifier() -> String? {
        guard let first = byte(at: position), Self.isIdentifierByte(first, first: true) else { return nil }
        let start = position
        position += 1
        while let byte = byte(at: position), Self.isIdentifierByte(byte, first: false) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func number() -> String {
        let start = position
        let isDigit = { (byte: UInt8?) in byte.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
        while isDigit(byte(at: position)) { position += 1 }
        if byte(at: position) == UInt8(ascii: "."), isDigit(byte(at: position + 1)) {
            position += 1
            while isDigit(byte(at: position)) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A `'string'`, `` `identifier` `` or quoted constant name, with FHIRPath escapes.
    private mutating func quoted(_ delimiter: UInt8) throws(FHIRPathSyntaxError) -> String {
        let start = position
        position += 1
        var scalars = String.UnicodeScalarView()
        var pending: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
            pending.removeAll(keepingCapacity: true)
        }
        while true {
            guard let current = byte(at: position) else { throw error("unterminated quoted text", at: start) }
            position += 1
            if current == delimiter { break }
            guard current == UInt8(ascii: "\\") else {
                pending.append(current)
                continue
            }
            guard let escaped = byte(at: position) else { throw error("unterminated quoted text", at: start) }
            position += 1
            switch escaped {
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                pending.append(escaped)
            case UInt8(ascii: "f"): pending.append(0x0C)
            case UInt8(ascii: "n"): pending.append(0x0A)
            case UInt8(ascii: "r"): pending.append(0x0D)
            case UInt8(ascii: "t"): pending.append(0x09)
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count,
                      let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(code)
                else { throw error("invalid \\u escape", at: position - 2) }
                position += 4
                flush()
                scalars.append(scalar)
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(escaped)))'", at: position - 2)
            }
        }
        flush()
        return String(scalars)
    }

    private static let twoByteSymbols: Set<String> = ["<=", ">=", "!=", "!~"]
    private static let oneByteSymbols: Set<UInt8> = Set("().[]{},|=~<>+-*/&".utf8)

    private mutating func symbol() throws(FHIRPathSyntaxError) -> String {
        if position + 1 < bytes.count {
            let pair = String(decoding: bytes[position..<position + 2], as: UTF8.self)
            if Self.twoByteSymbols.contains(pair) {
                position += 2
                return pair
            }
        }
        let current = bytes[position]
        guard Self.oneByteSymbols.contains(current) else {
            throw error(current < 0x80 ? "unexpected character '\(Character(Unicode.Scalar(current)))'" : "unexpected character")
        }
        position += 1
        return String(Character(Unicode.Scalar(current)))
    }
}
