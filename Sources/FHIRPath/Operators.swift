/// Binary operators: union, logic (three-valued), equality, ordering, membership, `+ - &`.
extension Evaluator {
    func evaluate(_ binary: BinaryOperator, _ leftNode: Node, _ rightNode: Node, focus: [FHIRPathValue])
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        let left = try evaluate(leftNode, focus: focus)
        if binary == .and || binary == .or || binary == .implies {
            return try logic(binary, left, rightNode, focus: focus)
        }
        let right = try evaluate(rightNode, focus: focus)
        switch binary {
        case .union:
            return Self.union(left, right)
        case .equals:
            return Comparison.equal(left, right).map { [.boolean($0)] } ?? []
        case .notEquals:
            return Comparison.equal(left, right).map { [.boolean(!$0)] } ?? []
        case .equivalent:
            return [.boolean(Comparison.equivalent(left, right))]
        case .notEquivalent:
            return [.boolean(!Comparison.equivalent(left, right))]
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let leftItem = try single(left, for: "'\(binary.rawValue)'"),
                  let rightItem = try single(right, for: "'\(binary.rawValue)'"),
                  let order = try Comparison.order(leftItem, rightItem) else { return [] }
            switch binary {
            case .less: return [.boolean(order < 0)]
            case .lessOrEqual: return [.boolean(order <= 0)]
            case .greater: return [.boolean(order > 0)]
            default: return [.boolean(order >= 0)]
            }
        case .in, .contains:
            let (element, collection) = binary == .in ? (left, right) : (right, left)
            guard let item = try single(element, for: "'\(binary.rawValue)'") else { return [] }
            return [.boolean(collection.contains { Comparison.equal(item, $0) == true })]
        case .xor:
            guard let leftValue = try boolean(left, for: "'xor'"), let rightValue = try boolean(right, for: "'xor'") else { return [] }
            return [.boolean(leftValue != rightValue)]
        default:
            return try arithmetic(binary, left, right)
        }
    }

    /// `and`, `or` and `implies`, evaluating the right side only when it can change the result.
    private func logic(_ binary: BinaryOperator, _ left: [FHIRPathValue], _ rightNode: Node, focus: [FHIRPathValue])
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        let what = "'\(binary.rawValue)'"
        let leftValue = try boolean(left, for: what)
        switch (binary, leftValue) {
        case (.and, false?): return [.boolean(false)]
        case (.or, true?): return [.boolean(true)]
        case (.implies, false?): return [.boolean(true)]
        default: break
        }
        let rightValue = try boolean(try evaluate(rightNode, focus: focus), for: what)
        let result: Bool?
        switch binary {
        case .and: result = rightValue == false ? false : (leftValue == true && rightValue == true ? true : nil)
        case .or: result = rightValue == true ? true : (leftValue == false && rightValue == false ? false : nil)
        default: result = rightValue == true ? true : (leftValue == true && rightValue == false ? false : nil)
        }
        return result.map { [.boolean($0)] } ?? []
    }

    /// `+` on integers and strings, `-` on integers, `&` on strings (empty counts as '').
    private func arithmetic(_ binary: BinaryOperator, _ left: [FHIRPathValue], _ right: [FHIRPathValue])
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        let what = "'\(binary.rawValue)'"
        if binary == .concatenate {
            return [.string((try string(left, for: what) ?? "") + (try string(right, for: what) ?? ""))]
        }
        guard let leftItem = try single(left, for: what)?.primitiveValue,
              let rightItem = try single(right, for: what)?.primitiveValue else { return [] }
        switch (binary, leftItem, rightItem) {
        case (.plus, .string(let a), .string(let b)):
            return [.string(a + b)]
        case (.plus, .integer(let a), .integer(let b)), (.minus, .integer(let a), .integer(let b)):
            let (value, overflow) = binary == .plus ? a.addingReportingOverflow(b) : a.subtractingReportingOverflow(b)
            guard !overflow else { throw FHIRPathEvaluationError("integer overflow in \(what)") }
            return [.integer(value)]
        default:
            throw FHIRPathEvaluationError("\(what) is supported on integers (and strings for '+') only")
        }
    }

    /// The items of both collections without duplicates (by `=`), in order of appearance.
    static func union(_ left: [FHIRPathValue], _ right: [FHIRPathValue]) -> [FHIRPathValue] {
        if right.isEmpty, left.count <= 1 { return left }
        if left.isEmpty, right.count <= 1 { return right }
        return distinct(left + right)
    }

    static func distinct(_ items: [FHIRPathValue]) -> [FHIRPathValue] {
        var result: [FHIRPathValue] = []
        result.reserveCapacity(items.count)
        for item in items where !result.contains(where: { Comparison.equal($0, item) == true }) {
            result.append(item)
        }
        return result
    }
}
