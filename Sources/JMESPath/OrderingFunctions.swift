import FHIRCore

/// `sort`, `sort_by`, `max`, `min`, `max_by`, `min_by`: numbers or strings, never mixed.
enum OrderingFunctions {
    static let all = [sort, sortBy, max, min, maxBy, minBy]

    static let sort = JMESPathFunction("sort", [[.arrayOfNumbers, .arrayOfStrings]]) { arguments, _ in
        .array(stableSorted(arguments[0].value.arrayValue ?? [], keys: arguments[0].value.arrayValue ?? []))
    }

    static let max = JMESPathFunction("max", [[.arrayOfNumbers, .arrayOfStrings]]) { arguments, _ in
        extreme(arguments[0].value.arrayValue ?? [], largest: true)
    }

    static let min = JMESPathFunction("min", [[.arrayOfNumbers, .arrayOfStrings]]) { arguments, _ in
        extreme(arguments[0].value.arrayValue ?? [], largest: false)
    }

    static let sortBy = JMESPathFunction("sort_by", [.array, .expression]) { arguments, interpreter throws(JMESPathError) in
        let elements = arguments[0].value.arrayValue ?? []
        let keys = try keys(elements, arguments[1], interpreter, function: "sort_by")
        return .array(stableSorted(elements, keys: keys))
    }

    static let maxBy = JMESPathFunction("max_by", [.array, .expression]) { arguments, interpreter throws(JMESPathError) in
        try extremeBy(arguments, interpreter, function: "max_by", largest: true)
    }

    static let minBy = JMESPathFunction("min_by", [.array, .expression]) { arguments, interpreter throws(JMESPathError) in
        try extremeBy(arguments, interpreter, function: "min_by", largest: false)
    }

    /// Evaluates the key expression for each element; keys must be all numbers or all strings.
    private static func keys(
        _ elements: [JSONValue], _ argument: FunctionArgument, _ interpreter: Interpreter, function: String
    ) throws(JMESPathError) -> [JSONValue] {
        guard case .expression(let expression) = argument else { return [] }
        var keys: [JSONValue] = []
        for element in elements {
            let key = try interpreter.evaluate(expression, element)
            let fits: Bool = switch (key, keys.first) {
            case (.number, nil), (.string, nil), (.number, .number?), (.string, .string?): true
            default: false
            }
            guard fits else {
                throw JMESPathError(kind: .invalidType, message: "\(function)(): keys must be all numbers or all strings")
            }
            keys.append(key)
        }
        return keys
    }

    private static func stableSorted(_ elements: [JSONValue], keys: [JSONValue]) -> [JSONValue] {
        let order = keys.indices.sorted { lhs, rhs in
            if JSONSemantics.less(keys[lhs], keys[rhs]) == true { return true }
            if JSONSemantics.less(keys[rhs], keys[lhs]) == true { return false }
            return lhs < rhs
        }
        return order.map { elements[$0] }
    }

    private static func extreme(_ elements: [JSONValue], largest: Bool) -> JSONValue {
        guard let index = extremeIndex(elements, largest: largest) else { return .null }
        return elements[index]
    }

    private static func extremeBy(
        _ arguments: [FunctionArgument], _ interpreter: Interpreter, function: String, largest: Bool
    ) throws(JMESPathError) -> JSONValue {
        let elements = arguments[0].value.arrayValue ?? []
        let keys = try keys(elements, arguments[1], interpreter, function: function)
        guard let index = extremeIndex(keys, largest: largest) else { return .null }
        return elements[index]
    }

    /// Index of the first largest (or smallest) key.
    private static func extremeIndex(_ keys: [JSONValue], largest: Bool) -> Int? {
        guard !keys.isEmpty else { return nil }
        var best = 0
        for index in keys.indices.dropFirst() {
            let better = largest ? JSONSemantics.less(keys[best], keys[index]) : JSONSemantics.less(keys[index], keys[best])
            if better == true { best = index }
        }
        return best
    }
}
