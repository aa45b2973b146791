/// A precedence-climbing parser from tokens to a `Node` tree of bounded height.
struct Parser {
    /// The deepest tree (and parser recursion) accepted; the 1375 R4 search expressions need
    /// under 40.
    static let maximumDepth = 128

    private let tokens: [Token]
    private var index = 0
    private var recursion = 0

    private init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ text: String) throws(FHIRPathSyntaxError) -> Node {
        var parser = Parser(tokens: try Lexer.tokens(of: text))
        let tree = try parser.expression(minimumPrecedence: 0)
        guard parser.current.kind == .end else { throw parser.unexpected() }
        return tree.node
    }

    /// A node with the height of its tree.
    private struct Tree {
        let node: Node
        let height: Int
    }

    private var current: Token { tokens[index] }

    private mutating func advance() { index = min(index + 1, tokens.count - 1) }

    private func error(_ message: String, at token: Token? = nil) -> FHIRPathSyntaxError {
        FHIRPathSyntaxError(offset: (token ?? current).offset, message: message)
    }

    private func unexpected() -> FHIRPathSyntaxError {
        switch current.kind {
        case .end: error("unexpected end of expression")
        case .symbol(let symbol): error("unexpected '\(symbol)'")
        case .identifier(let name, _): error("unexpected '\(name)'")
        default: error("unexpected token")
        }
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private mutating func expect(_ symbol: String) throws(FHIRPathSyntaxError) {
        guard isSymbol(symbol) else { throw error("expected '\(symbol)'") }
        advance()
    }

    /// Builds a node over `children`, rejecting trees taller than `maximumDepth`.
    private func tree(_ node: Node, over children: [Tree], at token: Token) throws(FHIRPathSyntaxError) -> Tree {
        let height = (children.map(\.height).max() ?? 0) + 1
        guard height <= Self.maximumDepth else { throw error("expression nested deeper than \(Self.maximumDepth) levels", at: token) }
        return Tree(node: node, height: height)
    }

    /// Counts one level of parser recursion, failing past `maximumDepth`.
    private mutating func enter() throws(FHIRPathSyntaxError) {
        recursion += 1
        guard recursion <= Self.maximumDepth else { throw error("expression nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func expression(minimumPrecedence: Int) throws(FHIRPathSyntaxError) -> Tree {
        try enter()
        defer { recursion -= 1 }
        var left = try unary()
        while true {
            let token = current
            if let typeOperator = typeOperator(token), TypeOperator.precedence >= minimumPrecedence {
                advance()
                left = try tree(.typeOperator(typeOperator, left.node, try typeSpecifier()), over: [left], at: token)
            } else if let binary = try binaryOperator(token), binary.precedence >= minimumPrecedence {
                advance()
                let right = try expression(minimumPrecedence: binary.precedence + 1)
                left = try tree(.binary(binary, left.node, right.node), over: [left, right], at: token)
            } else {
                return left
            }
        }
    }

    private func typeOperator(_ token: Token) -> TypeOperator? {
        guard case .identifier(let name, quoted: false) = token.kind else { return nil }
        return TypeOperator(rawValue: name)
    }

    private func binaryOperator(_ token: Token) throws(FHIRPathSyntaxError) -> BinaryOperator? {
        let text: String
        switch token.kind {
        case .symbol(let symbol): text = symbol
        case .identifier(let name, quoted: false): text = name
        default: return nil
        }
        switch text {
        case "*", "/", "div", "mod": throw error("operator '\(text)' is not supported", at: token)
        default: return BinaryOperator(rawValue: text)
        }
    }

    private mutating func unary() throws(FHIRPathSyntaxError) -> Tree {
        let token = current
        guard isSymbol("-") || isSymbol("+") else { return try postfix(try term()) }
        advance()
        try enter()
        defer { recursion -= 1 }
        let operand = try unary()
        if token.kind == .symbol("+") { return operand }
        switch operand.node {
        case .literal(.integer(let value)?): return Tree(node: .literal(.integer(-value)), height: operand.height)
        case .literal(.decimal(let lexeme)?) where !lexeme.hasPrefix("-"):
            return Tree(node: .literal(.decimal("-" + lexeme)), height: operand.height)
        default: return try tree(.negate(operand.node), over: [operand], at: token)
        }
    }

    /// `.member`, `.function(...)` and `[index]` after a term.
    private mutating func postfix(_ start: Tree) throws(FHIRPathSyntaxError) -> Tree {
        var result = start
        while true {
            let token = current
            if isSymbol(".") {
                advance()
                guard case .identifier(let name, let quoted) = current.kind else { throw error("expected a name after '.'") }
                result = try invocation(name, quoted: quoted, receiver: result)
            } else if isSymbol("[") {
                advance()
                let index = try expression(minimumPrecedence: 0)
                try expect("]")
                result = try tree(.indexer(result.node, index: index.node), over: [result, index], at: token)
            } else {
                return result
            }
        }
    }

    /// A member or function call at the current identifier token.
    private mutating func invocation(_ name: String, quoted: Bool, receiver: Tree?) throws(FHIRPathSyntaxError) -> Tree {
        let token = current
        advance()
        guard !quoted, isSymbol("(") else {
            return try tree(.member(Member(name), receiver: receiver?.node), over: receiver.map { [$0] } ?? [], at: token)
        }
        guard let function = Function(rawValue: name) else { throw error("function '\(name)' is not supported", at: token) }
        advance()
        var arguments: [Tree] = []
        if !isSymbol(")") {
            arguments.append(try expression(minimumPrecedence: 0))
            while isSymbol(",") {
                advance()
                arguments.append(try expression(minimumPrecedence: 0))
            }
        }
        try expect(")")
        guard function.arity.contains(arguments.count) else {
            throw error("\(name)() takes \(Self.describe(function.arity)) arguments, not \(arguments.count)", at: token)
        }
        var type: TypeSpecifier?
        if function.takesType, let argument = arguments.first {
            type = try typeSpecifier(from: argument.node, at: token)
            arguments = []
        }
        let call = FunctionCall(function: function, receiver: receiver?.node, arguments: arguments.map(\.node), type: type)
        return try tree(.function(call), over: (receiver.map { [$0] } ?? []) + arguments, at: token)
    }

    private static func describe(_ arity: ClosedRange<Int>) -> String {
        arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
    }

    private mutating func term() throws(FHIRPathSyntaxError) -> Tree {
        let token = current
        switch token.kind {
        case .identifier(let name, let quoted):
            if !quoted, name == "true" || name == "false" {
                advance()
                return Tree(node: .literal(.boolean(name == "true")), height: 1)
            }
            return try invocation(name, quoted: quoted, receiver: nil)
        case .string(let text):
            advance()
            return Tree(node: .literal(.string(text)), height: 1)
        case .number(let lexeme):
            advance()
            if lexeme.contains(".") { return Tree(node: .literal(.decimal(lexeme)), height: 1) }
            guard let value = Int(lexeme) else { throw error("integer \(lexeme) is too large", at: token) }
            return Tree(node: .literal(.integer(value)), height: 1)
        case .dateTime(let text):
            advance()
            return Tree(node: .literal(Self.dateTimeLiteral(text)), height: 1)
        case .externalConstant(let name):
            advance()
            return Tree(node: .constant(name), height: 1)
        case .special(let name):
            guard name == "this" else { throw error("'$\(name)' is not supported") }
            advance()
            return Tree(node: .this, height: 1)
        case .symbol("("):
            advance()
            let inner = try expression(minimumPrecedence: 0)
            try expect(")")
            return inner
        case .symbol("{"):
            advance()
            try expect("}")
            return Tree(node: .literal(nil), height: 1)
        default:
            throw unexpected()
        }
    }

    /// `@2015-02-04` is a date, `@2015-02-04T14:34` a dateTime, `@T14:34` a time.
    private static func dateTimeLiteral(_ text: String) -> FHIRPathValue {
        if text.hasPrefix("T") { return .time(String(text.dropFirst())) }
        guard text.contains("T") else { return .date(text) }
        return .dateTime(text.hasSuffix("T") ? String(text.dropLast()) : text)
    }

    /// `Name` or `Namespace.Name` after `is` / `as`.
    private mutating func typeSpecifier() throws(FHIRPathSyntaxError) -> TypeSpecifier {
        guard case .identifier(let first, _) = current.kind else { throw error("expected a type name") }
        advance()
        guard isSymbol(".") else { return TypeSpecifier(namespace: nil, name: first) }
        advance()
        guard case .identifier(let second, _) = current.kind else { throw error("expected a type name after '.'") }
        advance()
        return TypeSpecifier(namespace: first, name: second)
    }

    /// The type name written as the argument of `ofType(...)`, `as(...)`, `is(...)`.
    private func typeSpecifier(from node: Node, at token: Token) throws(FHIRPathSyntaxError) -> TypeSpecifier {
        switch node {
        case .member(let member, receiver: nil):
            return TypeSpecifier(namespace: nil, name: member.name)
        case .member(let member, receiver: .member(let namespace, receiver: nil)?):
            return TypeSpecifier(namespace: namespace.name, name: member.name)
        default:
            throw error("expected a type name as the argument", at: token)
        }
    }
}
