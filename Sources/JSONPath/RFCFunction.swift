import FHIRCore

/// The function extensions of RFC 9535 §2.4 with their declared types.
enum RFCFunction: String, Sendable {
    case length, count, match, search, value

    /// Declared parameter types (no standard function takes a LogicalType).
    enum ParameterType { case value, nodes }

    /// Declared result types (no standard function returns a NodesType).
    enum ResultType { case value, logical }

    var parameters: [ParameterType] {
        switch self {
        case .length: [.value]
        case .count, .value: [.nodes]
        case .match, .search: [.value, .value]
        }
    }

    var result: ResultType {
        switch self {
        case .length, .count, .value: .value
        case .match, .search: .logical
        }
    }
}

/// An evaluated function argument.
enum FunctionInput {
    /// A value, or `nil` for Nothing.
    case value(JSONValue?)
    case nodes([JSONValue])
}

/// An evaluated function result.
enum FunctionOutput {
    case value(JSONValue?)
    case logical(Bool)
}

extension RFCFunction {
    func apply(_ inputs: [FunctionInput], literalPattern: CompiledRegex??) -> FunctionOutput {
        switch self {
        case .length:
            guard case .value(let value?) = inputs.first else { return .value(.none) }
            switch value {
            case .string(let text): return .value(.number(String(text.unicodeScalars.count)))
            case .array(let elements): return .value(.number(String(elements.count)))
            case .object(let object): return .value(.number(String(object.count)))
            default: return .value(.none)
            }
        case .count:
            guard case .nodes(let nodes) = inputs.first else { return .value(.none) }
            return .value(.number(String(nodes.count)))
        case .value:
            guard case .nodes(let nodes) = inputs.first, nodes.count == 1 else { return .value(.none) }
            return .value(nodes[0])
        case .match, .search:
            guard inputs.count == 2, case .value(.string(let subject)?) = inputs[0],
                  case .value(.string(let pattern)?) = inputs[1] else { return .logical(false) }
            let regex = literalPattern ?? IRegexp.compile(pattern, wholeString: self == .match)
            return .logical(regex?.matches(subject) ?? false)
        }
    }
}
