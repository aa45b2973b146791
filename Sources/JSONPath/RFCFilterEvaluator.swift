import FHIRCore

/// Evaluates a filter expression for one candidate node (RFC 9535 §2.3.5.2).
struct FilterEvaluator {
    let root: JSONValue
    let current: Node

    func test(_ expression: LogicalExpression) -> Bool {
        switch expression {
        case .or(let items): return items.contains { test($0) }
        case .and(let items): return items.allSatisfy { test($0) }
        case .not(let inner): return !test(inner)
        case .exists(let query): return !nodes(query).isEmpty
        case .function(let call):
            // Only LogicalType functions pass the compile-time check for tests.
            if case .logical(let flag) = apply(call) { return flag }
            return false
        case .comparison(let left, let comparison, let right):
            return Self.compare(value(left), comparison, value(right))
        }
    }

    private func nodes(_ query: FilterQuery) -> [Node] {
        let start = query.relative ? current : Node(value: root, path: .root)
        return RFCEvaluator(root: root).evaluate(query.segments, from: start)
    }

    /// A comparable's value, or `nil` for Nothing.
    private func value(_ comparable: FilterComparable) -> JSONValue? {
        switch comparable {
        case .literal(let value): return value
        case .query(let query):
            let found = nodes(query)
            return found.count == 1 ? found[0].value : .none
        case .function(let call):
            if case .value(let value) = apply(call) { return value }
            return .none
        }
    }

    private func apply(_ call: FunctionCall) -> FunctionOutput {
        let inputs = call.arguments.map { argument -> FunctionInput in
            switch argument {
            case .value(let comparable): return .value(value(comparable))
            case .nodes(let query): return .nodes(nodes(query).map(\.value))
            }
        }
        return call.function.apply(inputs, literalPattern: call.literalPattern)
    }

    /// §2.3.5.2.2: Nothing equals only Nothing; `<` is defined for two numbers or two strings.
    static func compare(_ left: JSONValue?, _ comparison: ComparisonOperator, _ right: JSONValue?) -> Bool {
        switch comparison {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .less: return less(left, right)
        case .lessOrEqual: return less(left, right) || equal(left, right)
        case .greater: return less(right, left)
        case .greaterOrEqual: return less(right, left) || equal(left, right)
        }
    }

    private static func equal(_ left: JSONValue?, _ right: JSONValue?) -> Bool {
        switch (left, right) {
        case (.none, .none): return true
        case (let left?, let right?): return JSONEquality.equal(left, right)
        default: return false
        }
    }

    private static func less(_ left: JSONValue?, _ right: JSONValue?) -> Bool {
        switch (left, right) {
        case (.number?, .number?):
            guard let lhs = left?.decimal, let rhs = right?.decimal else { return false }
            return lhs < rhs
        case (.string(let lhs)?, .string(let rhs)?):
            return JSONEquality.stringLess(lhs, rhs)
        default:
            return false
        }
    }
}
