import FHIRCore

/// Top-down operator-precedence parser for JMESPath; binding powers as in the reference
/// implementation (jmespath.py). Function names and arities are resolved here.
struct Parser {
    private let tokens: [Token]
    private let functions: JMESPathFunctionSet
    private var index = 0
    private var depth = 0
    /// The first unknown-function or arity error; reported only if the whole text parses, so
    /// that a syntax error anywhere wins.
    private var functionError: JMESPathError?

    /// Nesting limit for sub-expressions, so hostile input cannot exhaust the stack.
    static let maximumDepth = 128
    /// Projections stop at tokens binding less tightly than this.
    private static let projectionStop = 10

    init(tokens: [Token], functions: JMESPathFunctionSet) {
        self.tokens = tokens
        self.functions = functions
    }

    static func parse(_ text: String, functions: JMESPathFunctionSet) throws(JMESPathError) -> SyntaxNode {
        var parser = Parser(tokens: try Lexer.tokenize(text), functions: functions)
        let node = try parser.expression(0)
        guard parser.current.kind == .end else { throw parser.unexpected() }
        if let error = parser.functionError { throw error }
        return node
    }

    private var current: Token { tokens[min(index, tokens.count - 1)] }
    private func lookahead(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }
    private mutating func advance() { index += 1 }

    private func unexpected(_ token: Token? = nil) -> JMESPathError {
        let token = token ?? current
        let what = token.kind == .end ? "unexpected end of expression" : "unexpected token \(token.kind)"
        return JMESPathError(kind: .syntax, message: what, offset: token.offset)
    }

    private mutating func expect(_ kind: Token.Kind) throws(JMESPathError) {
        guard current.kind == kind else { throw unexpected() }
        advance()
    }

    private static func bindingPower(_ kind: Token.Kind) -> Int {
        switch kind {
        case .pipe: 1
        case .or: 2
        case .and: 3
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: 5
        case .flatten: 9
        case .star: 20
        case .filter: 21
        case .dot: 40
        case .not: 45
        case .leftBrace: 50
        case .leftBracket: 55
        case .leftParen: 60
        default: 0
        }
    }

    private mutating func expression(_ rightBindingPower: Int) throws(JMESPathError) -> SyntaxNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw JMESPathError(kind: .syntax, message: "expression nested too deeply", offset: current.offset)
        }
        let token = current
        advance()
        var left = try nud(token)
        while rightBindingPower < Self.bindingPower(current.kind) {
            let token = current
            advance()
            left = try led(token, left)
        }
        return left
    }

    /// A token at the start of an expression.
    private mutating func nud(_ token: Token) throws(JMESPathError) -> SyntaxNode {
        switch token.kind {
        case .literal(let value): return .literal(value)
        case .identifier(let name): return .field(name)
        case .quotedIdentifier(let name):
            if current.kind == .leftParen {
                throw JMESPathError(kind: .syntax, message: "quoted identifier cannot name a function", offset: token.offset)
            }
            return .field(name)
        case .star:
            return .valueProjection(.identity, try projectionRight(Self.bindingPower(.star)))
        case .filter:
            return try filter(left: .identity)
        case .leftBrace:
            return try multiSelectHash()
        case .leftParen:
            let inner = try expression(0)
            try expect(.rightParen)
            return inner
        case .flatten:
            return .projection(.flatten(.identity), try projectionRight(Self.bindingPower(.flatten)))
        case .not:
            return .not(try expression(Self.bindingPower(.not)))
        case .leftBracket:
            if case .number = current.kind { return try indexOrSlice(left: .identity) }
            if current.kind == .colon { return try indexOrSlice(left: .identity) }
            if current.kind == .star, lookahead(1).kind == .rightBracket {
                advance()
                advance()
                return .projection(.identity, try projectionRight(Self.bindingPower(.star)))
            }
            return try multiSelectList()
        case .current:
            return .identity
        case .expref:
            return .expressionReference(try expression(0))
        default:
            throw unexpected(token)
        }
    }

    /// A token following a complete left-hand expression.
    private mutating func led(_ token: Token, _ left: SyntaxNode) throws(JMESPathError) -> SyntaxNode {
        switch token.kind {
        case .dot:
            if current.kind == .star {
                advance()
                return .valueProjection(left, try projectionRight(Self.bindingPower(.dot)))
            }
            return .subexpression(left, try dotRight(Self.bindingPower(.dot)))
        case .pipe: return .pipe(left, try expression(Self.bindingPower(.pipe)))
        case .or: return .or(left, try expression(Self.bindingPower(.or)))
        case .and: return .and(left, try expression(Self.bindingPower(.and)))
        case .leftParen: return try functionCall(left, at: token)
        case .filter: return try filter(left: left)
        case .flatten:
            return .projection(.flatten(left), try projectionRight(Self.bindingPower(.flatten)))
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let comparison: ComparisonOperator = switch token.kind {
            case .equal: .equal
            case .notEqual: .notEqual
            case .less: .less
            case .lessOrEqual: .lessOrEqual
            case .greater: .greater
            default: .greaterOrEqual
            }
            return .comparison(comparison, left, try expression(Self.bindingPower(token.kind)))
        case .leftBracket:
            if case .number = current.kind { return try indexOrSlice(left: left) }
            if current.kind == .colon { return try indexOrSlice(left: left) }
            try expect(.star)
            try expect(.rightBracket)
            return .projection(left, try projectionRight(Self.bindingPower(.star)))
        default:
            throw unexpected(token)
        }
    }

    /// After `[`: `n]` or a slice `[start:stop:step]` (a slice projects).
    private mutating func indexOrSlice(left: SyntaxNode) throws(JMESPathError) -> SyntaxNode {
        if case .number(let value) = current.kind, lookahead(1).kind == .rightBracket {
            advance()
            advance()
            return .indexExpression(left, .index(value))
        }
        var parts: [Int?] = [nil, nil, nil]
        var part = 0
        while current.kind != .rightBracket {
            switch current.kind {
            case .colon:
                part += 1
                guard part < 3 else { throw unexpected() }
            case .number(let value):
                guard parts[part] == nil else { throw unexpected() }
                parts[part] = value
            default:
                throw unexpected()
            }
            advance()
        }
        advance()
        let slice = SyntaxNode.indexExpression(left, .slice(start: parts[0], stop: parts[1], step: parts[2]))
        return .projection(slice, try projectionRight(Self.bindingPower(.star)))
    }

    private mutating func filter(left: SyntaxNode) throws(JMESPathError) -> SyntaxNode {
        let condition = try expression(0)
        try expect(.rightBracket)
        let right: SyntaxNode = current.kind == .flatten ? .identity : try projectionRight(Self.bindingPower(.filter))
        return .filterProjection(left, right, condition: condition)
    }

    /// What follows a projection: nothing (identity), `[…]`, `[?…]` or `.rhs`.
    private mutating func projectionRight(_ bindingPower: Int) throws(JMESPathError) -> SyntaxNode {
        let kind = current.kind
        if Self.bindingPower(kind) < Self.projectionStop { return .identity }
        switch kind {
        case .leftBracket, .filter:
            return try expression(bindingPower)
        case .dot:
            advance()
            return try dotRight(bindingPower)
        default:
            throw unexpected()
        }
    }

    /// After `.`: an identifier, `*`, a multi-select list or hash.
    private mutating func dotRight(_ bindingPower: Int) throws(JMESPathError) -> SyntaxNode {
        switch current.kind {
        case .identifier, .quotedIdentifier, .star:
            return try expression(bindingPower)
        case .leftBracket:
            advance()
            return try multiSelectList()
        case .leftBrace:
            advance()
            return try multiSelectHash()
        default:
            throw unexpected()
        }
    }

    private mutating func multiSelectList() throws(JMESPathError) -> SyntaxNode {
        var items: [SyntaxNode] = []
        while true {
            items.append(try expression(0))
            if current.kind == .rightBracket { break }
            try expect(.comma)
        }
        advance()
        return .multiSelectList(items)
    }

    private mutating func multiSelectHash() throws(JMESPathError) -> SyntaxNode {
        var pairs: [KeyedNode] = []
        while true {
            let key: String
            switch current.kind {
            case .identifier(let name), .quotedIdentifier(let name): key = name
            default: throw unexpected()
            }
            advance()
            try expect(.colon)
            pairs.append(KeyedNode(key: key, value: try expression(0)))
            if current.kind == .rightBrace { break }
            try expect(.comma)
        }
        advance()
        return .multiSelectHash(pairs)
    }

    /// `name(args…)`: the function must exist in the set and accept this many arguments.
    private mutating func functionCall(_ left: SyntaxNode, at token: Token) throws(JMESPathError) -> SyntaxNode {
        guard case .field(let name) = left else { throw unexpected(token) }
        var arguments: [SyntaxNode] = []
        while current.kind != .rightParen {
            arguments.append(try expression(0))
            if current.kind == .comma {
                advance()
                guard current.kind != .rightParen else { throw unexpected() }
            } else if current.kind != .rightParen {
                throw unexpected()
            }
        }
        advance()
        guard let function = functions.function(named: name) else {
            functionError = functionError
                ?? JMESPathError(kind: .unknownFunction, message: "unknown function \(name)()", offset: token.offset)
            return .literal(.null)
        }
        do {
            try function.checkArity(arguments.count)
        } catch {
            functionError = functionError ?? error
        }
        return .function(function, arguments)
    }
}
