/// String functions and conversions. Each works on a single string input (a `code`, `uri`,
/// ... element counts as a string); an empty input gives an empty result.
extension Evaluator {
    func stringFunction(_ function: Function, input: [FHIRPathValue], arguments: [Node], focus: [FHIRPathValue])
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        let name = "\(function.rawValue)()"
        switch function {
        case .toString:
            guard let item = try single(input, for: name)?.primitiveValue else { return [] }
            switch item {
            case .string(let text), .decimal(let text), .date(let text), .dateTime(let text), .time(let text):
                return [.string(text)]
            case .boolean(let value): return [.string(value ? "true" : "false")]
            case .integer(let value): return [.string(String(value))]
            case .node: return []
            }
        case .toInteger:
            switch try single(input, for: name)?.primitiveValue {
            case .integer(let value)?: return [.integer(value)]
            case .string(let text)?: return Int(text).map { [.integer($0)] } ?? []
            case .boolean(let value)?: return [.integer(value ? 1 : 0)]
            default: return []
            }
        default:
            break
        }
        guard let text = try string(input, for: name) else { return [] }
        func stringArgument(_ index: Int) throws(FHIRPathEvaluationError) -> String? {
            try string(try evaluate(arguments[index], focus: focus), for: name)
        }
        switch function {
        case .length: return [.integer(text.count)]
        case .lower: return [.string(text.lowercased())]
        case .upper: return [.string(text.uppercased())]
        case .startsWith:
            return try stringArgument(0).map { [.boolean($0.isEmpty || text.hasPrefix($0))] } ?? []
        case .endsWith:
            return try stringArgument(0).map { [.boolean($0.isEmpty || text.hasSuffix($0))] } ?? []
        case .contains:
            return try stringArgument(0).map { [.boolean($0.isEmpty || text.contains($0))] } ?? []
        case .substring:
            guard let start = try integer(try evaluate(arguments[0], focus: focus), for: name) else { return [] }
            let characters = Array(text)
            guard start >= 0, start < characters.count else { return [] }
            var end = characters.count
            if arguments.count > 1, let length = try integer(try evaluate(arguments[1], focus: focus), for: name) {
                end = min(end, start + max(0, length))
            }
            return [.string(String(characters[start..<end]))]
        case .matches:
            guard let pattern = try stringArgument(0) else { return [] }
            return [.boolean(text.firstMatch(of: try Self.regex(pattern)) != nil)]
        case .replaceMatches:
            guard let pattern = try stringArgument(0), let substitution = try stringArgument(1) else { return [] }
            return [.string(text.replacing(try Self.regex(pattern), with: substitution))]
        default:
            throw FHIRPathEvaluationError("\(name) is not a string function")
        }
    }

    private static func regex(_ pattern: String) throws(FHIRPathEvaluationError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw FHIRPathEvaluationError("invalid regular expression '\(pattern)': \(error)")
        }
    }
}
