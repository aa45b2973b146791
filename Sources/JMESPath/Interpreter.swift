import FHIRCore

/// Evaluates a syntax tree against a JSON value (JMESPath specification semantics).
struct Interpreter: Sendable {
    func evaluate(_ node: SyntaxNode, _ value: JSONValue) throws(JMESPathError) -> JSONValue {
        switch node {
        case .identity:
            return value
        case .field(let name):
            guard case .object(let object) = value else { return .null }
            return object.members.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value ?? .null
        case .subexpression(let left, let right):
            return try evaluate(right, evaluate(left, value))
        case .index(let index):
            guard case .array(let elements) = value else { return .null }
            let resolved = index < 0 ? elements.count + index : index
            return resolved >= 0 && resolved < elements.count ? elements[resolved] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let elements) = value else { return .null }
            return .array(try Self.slice(elements, start: start, stop: stop, step: step).map { elements[$0] })
        case .indexExpression(let left, let right):
            return try evaluate(right, evaluate(left, value))
        case .projection(let left, let right):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            return .array(try project(elements, right))
        case .valueProjection(let left, let right):
            guard case .object(let object) = try evaluate(left, value) else { return .null }
            return .array(try project(object.members.map(\.value), right))
        case .filterProjection(let left, let right, let condition):
            guard case .array(let elements) = try evaluate(left, value) else { return .null }
            var kept: [JSONValue] = []
            for element in elements where JSONSemantics.isTruthy(try evaluate(condition, element)) {
                kept.append(element)
            }
            return .array(try project(kept, right))
        case .flatten(let inner):
            guard case .array(let elements) = try evaluate(inner, value) else { return .null }
            var flattened: [JSONValue] = []
            for element in elements {
                if case .array(let nested) = element { flattened.append(contentsOf: nested) } else { flattened.append(element) }
            }
            return .array(flattened)
        case .pipe(let left, let right):
            return try evaluate(right, evaluate(left, value))
        case .or(let left, let right):
            let first = try evaluate(left, value)
            return JSONSemantics.isTruthy(first) ? first : try evaluate(right, value)
        case .and(let left, let right):
            let first = try evaluate(left, value)
            return JSONSemantics.isTruthy(first) ? try evaluate(right, value) : first
        case .not(let inner):
            return .bool(!JSONSemantics.isTruthy(try evaluate(inner, value)))
        case .comparison(let comparison, let left, let right):
            return Self.compare(comparison, try evaluate(left, value), try evaluate(right, value))
        case .literal(let literal):
            return literal
        case .multiSelectList(let items):
            if case .null = value { return .null }
            var results: [JSONValue] = []
            for item in items { results.append(try evaluate(item, value)) }
            return .array(results)
        case .multiSelectHash(let pairs):
            if case .null = value { return .null }
            var object = JSONObject()
            for pair in pairs { object[pair.key] = try evaluate(pair.value, value) }
            return .object(object)
        case .function(let function, let argumentNodes):
            var arguments: [FunctionArgument] = []
            for argument in argumentNodes {
                if case .expressionReference(let expression) = argument {
                    arguments.append(.expression(expression))
                } else {
                    arguments.append(.value(try evaluate(argument, value)))
                }
            }
            return try function.call(arguments, interpreter: self)
        case .expressionReference:
            return .null  // only meaningful as a function argument
        }
    }

    /// Applies `right` to each element, dropping null results.
    private func project(_ elements: [JSONValue], _ right: SyntaxNode) throws(JMESPathError) -> [JSONValue] {
        var results: [JSONValue] = []
        for element in elements {
            let result = try evaluate(right, element)
            if case .null = result { continue }
            results.append(result)
        }
        return results
    }

    /// Equality for any values; ordering for two numbers or two strings, otherwise null.
    private static func compare(_ comparison: ComparisonOperator, _ left: JSONValue, _ right: JSONValue) -> JSONValue {
        switch comparison {
        case .equal: return .bool(JSONSemantics.equal(left, right))
        case .notEqual: return .bool(!JSONSemantics.equal(left, right))
        case .less: return JSONSemantics.less(left, right).map(JSONValue.bool) ?? .null
        case .greater: return JSONSemantics.less(right, left).map(JSONValue.bool) ?? .null
        case .lessOrEqual: return JSONSemantics.less(right, left).map { .bool(!$0) } ?? .null
        case .greaterOrEqual: return JSONSemantics.less(left, right).map { .bool(!$0) } ?? .null
        }
    }

    /// Python-style slice indices; a step of 0 is an `invalid-value` error.
    static func slice(_ elements: [JSONValue], start: Int?, stop: Int?, step: Int?) throws(JMESPathError) -> [Int] {
        let step = step ?? 1
        guard step != 0 else { throw JMESPathError(kind: .invalidValue, message: "slice step cannot be 0") }
        let count = elements.count
        func clamp(_ index: Int, low: Int, high: Int) -> Int {
            min(max(index < 0 ? index + count : index, low), high)
        }
        var index: Int
        let end: Int
        if step > 0 {
            index = start.map { clamp($0, low: 0, high: count) } ?? 0
            end = stop.map { clamp($0, low: 0, high: count) } ?? count
        } else {
            index = start.map { clamp($0, low: -1, high: count - 1) } ?? count - 1
            end = stop.map { clamp($0, low: -1, high: count - 1) } ?? -1
        }
        var indices: [Int] = []
        while step > 0 ? index < end : index > end {
            indices.append(index)
            let (next, overflow) = index.addingReportingOverflow(step)
            if overflow { break }
            index = next
        }
        return indices
    }
}
