import FHIRCore

/// Filter expressions (RFC 9535 §2.3.5) and their well-typedness rules (§2.4.3).
extension RFCParser {
    /// A parsed piece before its role is known: a bare operand can still become a test, a
    /// comparable or a function argument.
    enum Parsed {
        case operand(Operand)
        case logical(LogicalExpression)
    }

    enum Operand {
        case literal(JSONValue)
        case query(FilterQuery)
        case function(FunctionCall)
    }

    /// logical-expr, which must be usable as a test.
    mutating func parseFilterExpression() throws(JSONPathError) -> LogicalExpression {
        let start = cursor.position
        return try logical(parseOr(), at: start)
    }

    private mutating func parseOr() throws(JSONPathError) -> Parsed {
        try parseChain(operator: "||", combine: LogicalExpression.or) { parser throws(JSONPathError) in
            try parser.parseAnd()
        }
    }

    private mutating func parseAnd() throws(JSONPathError) -> Parsed {
        try parseChain(operator: "&&", combine: LogicalExpression.and) { parser throws(JSONPathError) in
            try parser.parseBasic()
        }
    }

    /// operand *(S operator S operand); a single operand is passed through untouched.
    private mutating func parseChain(
        operator symbol: String,
        combine: ([LogicalExpression]) -> LogicalExpression,
        operand parse: (inout RFCParser) throws(JSONPathError) -> Parsed
    ) throws(JSONPathError) -> Parsed {
        var start = cursor.position
        let first = try parse(&self)
        var items: [LogicalExpression] = []
        while true {
            let save = cursor.position
            skipBlanks()
            guard cursor.consume(symbol) else {
                cursor.position = save
                break
            }
            if items.isEmpty { items.append(try logical(first, at: start)) }
            skipBlanks()
            start = cursor.position
            items.append(try logical(parse(&self), at: start))
        }
        return items.isEmpty ? first : .logical(combine(items))
    }

    /// paren-expr / comparison-expr / test-expr
    private mutating func parseBasic() throws(JSONPathError) -> Parsed {
        if cursor.consume("!") {
            skipBlanks()
            if cursor.peekIs("(") { return .logical(.not(try parseParenthesized())) }
            let start = cursor.position
            return .logical(.not(try logical(.operand(parseOperand()), at: start)))
        }
        if cursor.peekIs("(") { return .logical(try parseParenthesized()) }
        let start = cursor.position
        let left = try parseOperand()
        let save = cursor.position
        skipBlanks()
        guard let comparison = ComparisonOperator.allCases.first(where: { cursor.consume($0.rawValue) }) else {
            cursor.position = save
            return .operand(left)
        }
        skipBlanks()
        let rightStart = cursor.position
        let right = try parseOperand()
        return .logical(.comparison(try comparable(left, at: start), comparison, try comparable(right, at: rightStart)))
    }

    private mutating func parseParenthesized() throws(JSONPathError) -> LogicalExpression {
        cursor.advance()  // (
        try enterNesting()
        defer { nesting -= 1 }
        skipBlanks()
        let inner = try parseFilterExpression()
        skipBlanks()
        guard cursor.consume(")") else { throw cursor.error("expected ')'") }
        return inner
    }

    private mutating func parseOperand() throws(JSONPathError) -> Operand {
        guard let scalar = cursor.peek() else { throw cursor.error("unexpected end of filter") }
        switch scalar {
        case "@", "$":
            cursor.advance()
            return .query(FilterQuery(relative: scalar == "@", segments: try parseSegments()))
        case "'", "\"":
            return .literal(.string(try parseStringLiteral()))
        case "-", "0"..."9":
            return .literal(try parseNumber())
        case "a"..."z":
            let start = cursor.position
            while let next = cursor.peek(), ("a"..."z").contains(next) || ("0"..."9").contains(next) || next == "_" {
                cursor.advance()
            }
            let name = cursor.text(from: start, to: cursor.position)
            if cursor.peekIs("(") { return .function(try parseFunctionCall(name, at: start)) }
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: throw cursor.error("unknown name '\(name)'", at: start)
            }
        default:
            throw cursor.error("unexpected character in filter")
        }
    }

    /// number = (int / "-0") [ frac ] [ exp ], kept as its JSON lexeme.
    private mutating func parseNumber() throws(JSONPathError) -> JSONValue {
        let start = cursor.position
        _ = cursor.consume("-")
        func digits(_ cursor: inout ScalarCursor) -> Int {
            var count = 0
            while let scalar = cursor.peek(), ("0"..."9").contains(scalar) {
                cursor.advance()
                count += 1
            }
            return count
        }
        if cursor.consume("0") {
            if let next = cursor.peek(), ("0"..."9").contains(next) { throw cursor.error("leading zeros", at: start) }
        } else if digits(&cursor) == 0 {
            throw cursor.error("expected a number", at: start)
        }
        if cursor.consume("."), digits(&cursor) == 0 { throw cursor.error("expected fraction digits") }
        if cursor.consume("e") || cursor.consume("E") {
            if !cursor.consume("+") { _ = cursor.consume("-") }
            if digits(&cursor) == 0 { throw cursor.error("expected exponent digits") }
        }
        return .number(cursor.text(from: start, to: cursor.position))
    }

    private mutating func parseFunctionCall(_ name: String, at start: Int) throws(JSONPathError) -> FunctionCall {
        guard let function = RFCFunction(rawValue: name) else {
            throw cursor.error("unknown function '\(name)'", kind: .notWellTyped, at: start)
        }
        cursor.advance()  // (
        try enterNesting()
        defer { nesting -= 1 }
        var parsed: [(Parsed, Int)] = []
        skipBlanks()
        if !cursor.consume(")") {
            while true {
                let argumentStart = cursor.position
                parsed.append((try parseOr(), argumentStart))
                skipBlanks()
                if cursor.consume(")") { break }
                guard cursor.consume(",") else { throw cursor.error("expected ',' or ')'") }
                skipBlanks()
            }
        }
        guard parsed.count == function.parameters.count else {
            throw cursor.error("\(name)() takes \(function.parameters.count) argument(s)", kind: .notWellTyped, at: start)
        }
        var arguments: [FunctionArgument] = []
        for (parameter, (argument, position)) in zip(function.parameters, parsed) {
            arguments.append(try self.argument(argument, for: parameter, at: position))
        }
        var literalPattern: CompiledRegex??
        if function == .match || function == .search, case .value(.literal(.string(let pattern))) = arguments[1] {
            literalPattern = .some(IRegexp.compile(pattern, wholeString: function == .match))
        }
        return FunctionCall(function: function, arguments: arguments, literalPattern: literalPattern)
    }

    private func argument(
        _ parsed: Parsed, for parameter: RFCFunction.ParameterType, at position: Int
    ) throws(JSONPathError) -> FunctionArgument {
        switch parameter {
        case .value:
            guard case .operand(let operand) = parsed else {
                throw cursor.error("a logical expression is not a value", kind: .notWellTyped, at: position)
            }
            return .value(try comparable(operand, at: position))
        case .nodes:
            guard case .operand(.query(let query)) = parsed else {
                throw cursor.error("expected a query (NodesType)", kind: .notWellTyped, at: position)
            }
            return .nodes(query)
        }
    }

    /// The parsed piece as a test-expr or logical-expr.
    private func logical(_ parsed: Parsed, at position: Int) throws(JSONPathError) -> LogicalExpression {
        switch parsed {
        case .logical(let expression): return expression
        case .operand(.query(let query)): return .exists(query)
        case .operand(.function(let call)) where call.function.result != .value: return .function(call)
        case .operand(.function(let call)):
            throw cursor.error(
                "\(call.function.rawValue)() yields a value, not a logical result", kind: .notWellTyped, at: position)
        case .operand(.literal):
            throw cursor.error("a literal cannot be a test", kind: .notWellTyped, at: position)
        }
    }

    /// The operand as one side of a comparison.
    private func comparable(_ operand: Operand, at position: Int) throws(JSONPathError) -> FilterComparable {
        switch operand {
        case .literal(let value): return .literal(value)
        case .query(let query):
            guard query.isSingular else {
                throw cursor.error("only singular queries can be compared", kind: .notWellTyped, at: position)
            }
            return .query(query)
        case .function(let call):
            guard call.function.result == .value else {
                throw cursor.error("\(call.function.rawValue)() does not yield a value", kind: .notWellTyped, at: position)
            }
            return .function(call)
        }
    }
}
