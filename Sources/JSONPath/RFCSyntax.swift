import FHIRCore

/// RFC 9535 query syntax tree.
struct RFCSegment: Sendable {
    let descendant: Bool
    let selectors: [RFCSelector]
}

enum RFCSelector: Sendable {
    case name(String)
    case wildcard
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int?)
    case filter(LogicalExpression)
}

/// `@…` or `$…` inside a filter.
struct FilterQuery: Sendable {
    let relative: Bool
    let segments: [RFCSegment]

    /// Only child segments with one name or index selector (RFC 9535 §2.3.5.1 singular query).
    var isSingular: Bool {
        segments.allSatisfy { segment in
            guard !segment.descendant, segment.selectors.count == 1 else { return false }
            switch segment.selectors[0] {
            case .name, .index: return true
            default: return false
            }
        }
    }
}

indirect enum LogicalExpression: Sendable {
    case or([LogicalExpression])
    case and([LogicalExpression])
    case not(LogicalExpression)
    /// A query used as a test: true when it selects at least one node.
    case exists(FilterQuery)
    /// A function of result type LogicalType used as a test.
    case function(FunctionCall)
    case comparison(FilterComparable, ComparisonOperator, FilterComparable)
}

enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "==", notEqual = "!=", lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"
}

indirect enum FilterComparable: Sendable {
    case literal(JSONValue)
    /// A singular query: its one value, or Nothing.
    case query(FilterQuery)
    /// A function of result type ValueType.
    case function(FunctionCall)
}

struct FunctionCall: Sendable {
    let function: RFCFunction
    let arguments: [FunctionArgument]
    /// For `match`/`search` with a literal pattern: compiled once, `nil` if not a valid I-Regexp.
    let literalPattern: CompiledRegex??
}

indirect enum FunctionArgument: Sendable {
    case value(FilterComparable)
    case nodes(FilterQuery)
}
