import FHIRCore

/// A FHIRPath expression, parsed once and evaluated any number of times (it is immutable and
/// `Sendable`, so one instance can serve all threads).
///
/// The subset implemented is what the R4 search parameters and invariants use: paths with
/// choice elements, `[index]`, literals (string, integer, decimal, boolean, date/time, `{}`),
/// `%resource`/`%rootResource`/`%context`/`%ucum`/variables, `$this`; the operators `.` `[]`
/// unary `-` `+` `-` `&` `is` `as` `|` `<` `<=` `>` `>=` `=` `!=` `~` `!~` `in` `contains`
/// `and` `or` `xor` `implies`; and the functions `empty exists all allTrue anyTrue allFalse
/// anyFalse count distinct isDistinct where select ofType first last tail skip take single
/// union combine intersect exclude not is as iif trace hasValue children descendants
/// startsWith endsWith contains matches replaceMatches length substring lower upper toString
/// toInteger extension resolve`. Anything else (`*`, `/`, `div`, `mod`, quantity literals,
/// `$index`, `memberOf`, `repeat`, ...) is rejected when parsing.
///
/// ```swift
/// let code = try FHIRPathExpression(parsing: "Observation.code")
/// let values = try code.evaluate(on: observation, context: FHIRPathContext(model: model))
/// ```
public struct FHIRPathExpression: Sendable {
    /// The source text.
    public let text: String
    let root: Node

    /// Parses `text`; functions and operators outside the supported subset are syntax errors.
    public init(parsing text: String) throws(FHIRPathSyntaxError) {
        self.text = text
        root = try Parser.parse(text)
    }

    /// Evaluates on a resource (or any FHIR JSON object): it is `%context`, and `%resource`
    /// unless the context names another.
    public func evaluate(on resource: JSONValue, context: FHIRPathContext = .init())
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        try evaluate(on: .node(FHIRPathNode(resource: resource)), context: context)
    }

    /// Evaluates on one value, such as an element an earlier evaluation returned (the
    /// components of a composite search parameter are evaluated on each match this way; set
    /// `context.resource` for their `%resource`).
    public func evaluate(on value: FHIRPathValue, context: FHIRPathContext = .init())
        throws(FHIRPathEvaluationError) -> [FHIRPathValue]
    {
        try Evaluator(input: value, context: context).evaluate(root, focus: [value])
    }
}
