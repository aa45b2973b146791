/// Function calls. Criteria arguments (`where`, `select`, `all`, `exists`) are evaluated per
/// input item with that item as `$this`; other arguments against the caller's focus.
extension Evaluator {
    private static let extensionMember = Member("extension")

    func evaluate(_ call: FunctionCall, focus: [FHIRPathValue]) throws(FHIRPathEvaluationError) -> [FHIRPathValue] {
        let input = try call.receiver.map { (receiver) throws(FHIRPathEvaluationError) in try evaluate(receiver, focus: focus) } ?? focus
        let arguments = call.arguments
        // The parser checked each function's argument count.
        func argument(_ index: Int) throws(FHIRPathEvaluationError) -> [FHIRPathValue] {
            try evaluate(arguments[index], focus: focus)
        }
        let name = "\(call.function.rawValue)()"
        switch call.function {
        case .empty: return [.boolean(input.isEmpty)]
        case .exists:
            guard let criteria = arguments.first else { return [.boolean(!input.isEmpty)] }
            return [.boolean(!(try filter(input, by: criteria, firstOnly: true)).isEmpty)]
        case .all:
            return [.boolean(try filter(input, by: arguments[0]).count == input.count)]
        case .allTrue, .anyTrue, .allFalse, .anyFalse:
            let wanted = call.function == .allTrue || call.function == .anyTrue
            let matching = input.count(where: { item in
                if case .boolean(let value)? = item.primitiveValue { return value == wanted }
                return false
            })
            let requireAll = call.function == .allTrue || call.function == .allFalse
            return [.boolean(requireAll ? matching == input.count : matching > 0)]
        case .count: return [.integer(input.count)]
        case .distinct: return Self.distinct(input)
        case .isDistinct: return [.boolean(Self.distinct(input).count == input.count)]
        case .where: return try filter(input, by: arguments[0])
        case .select:
            var result: [FHIRPathValue] = []
            for item in input { result += try evaluate(arguments[0], focus: [item]) }
            return result
        case .ofType, .as:
            guard let type = call.type else { return [] }
            return input.filter { FHIRTypes.value($0, isOf: type) }
        case .is:
            guard let type = call.type, let item = try single(input, for: name) else { return [] }
            return [.boolean(FHIRTypes.value(item, isOf: type))]
        case .first: return input.first.map { [$0] } ?? []
        case .last: return input.last.map { [$0] } ?? []
        case .tail: return Array(input.dropFirst())
        case .skip: return Array(input.dropFirst(max(0, try integer(try argument(0), for: name) ?? 0)))
        case .take: return Array(input.prefix(max(0, try integer(try argument(0), for: name) ?? 0)))
        case .single: return try single(input, for: name).map { [$0] } ?? []
        case .union: return Self.union(input, try argument(0))
        case .combine: return input + (try argument(0))
        case .intersect:
            let other = try argument(0)
            return Self.distinct(input).filter { item in other.contains { Comparison.equal(item, $0) == true } }
        case .exclude:
            let other = try argument(0)
            return input.filter { item in !other.contains { Comparison.equal(item, $0) == true } }
        case .not: return try boolean(input, for: name).map { [.boolean(!$0)] } ?? []
        case .iif:
            if try boolean(try argument(0), for: name) == true { return try argument(1) }
            return arguments.count > 2 ? try argument(2) : []
        case .trace: return input
        case .hasValue: return [.boolean(input.count == 1 && input.first?.primitiveValue != nil)]
        case .children: return allChildren(input)
        case .descendants: return descendants(input)
        case .extension:
            guard let url = try string(try argument(0), for: name) else { return [] }
            return navigate(input, to: Self.extensionMember).filter { $0.node?.json["url"]?.stringValue == url }
        case .resolve: return resolve(input)
        case .startsWith, .endsWith, .contains, .matches, .replaceMatches, .length, .substring, .lower, .upper,
             .toString, .toInteger:
            return try stringFunction(call.function, input: input, arguments: arguments, focus: focus)
        }
    }

    /// The items for which `criteria` is true, evaluated with each item as `$this`.
    private func filter(_ items: [FHIRPathValue], by criteria: Node, firstOnly: Bool = false)
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        var result: [FHIRPathValue] = []
        for item in items {
            guard try boolean(try evaluate(criteria, focus: [item]), for: "a criteria argument") == true else { continue }
            result.append(item)
            if firstOnly { break }
        }
        return result
    }
}
