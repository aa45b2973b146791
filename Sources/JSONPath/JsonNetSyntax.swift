import FHIRCore

/// One step of a Json.NET path, mirroring Newtonsoft's `PathFilter` kinds.
enum JsonNetStep: Sendable {
    /// `$` at the start of a path inside a filter: the document root.
    case root
    /// `.name`, `['name']`; `nil` is `.*` (member values of an object).
    case field(String?)
    /// `['a','b']`
    case fields([String])
    /// `..name`, `..['name']`; `nil` is `..*` (the node itself and all descendants).
    case scan(String?)
    /// `..['a','b']`
    case scanFields([String])
    case index(Int)
    case indexes([Int])
    /// `[*]`: array elements only.
    case allElements
    case slice(start: Int?, end: Int?, step: Int?)
    /// `[?(…)]`; with `scan` (`..[?(…)]`) the node itself and every descendant are tested.
    case filter(JsonNetCondition, scan: Bool)
}

indirect enum JsonNetCondition: Sendable {
    case all([JsonNetCondition])
    case any([JsonNetCondition])
    case test(JsonNetTest)
}

struct JsonNetTest: Sendable {
    enum Operator: Sendable {
        case exists, equal, notEqual, strictEqual, strictNotEqual, regex, less, lessOrEqual, greater, greaterOrEqual
    }

    let comparison: Operator
    let left: JsonNetOperand
    let right: JsonNetOperand?
    /// For `=~ /…/flags` written as a literal: compiled once (`nil` inside if it does not compile).
    let literalRegex: CompiledRegex??
}

enum JsonNetOperand: Sendable {
    /// `@…` (relative) or `$…` (starting with `.root`).
    case path([JsonNetStep])
    case value(JSONValue)
}
