import FHIRCore

/// A compiled JMESPath expression. Compile once (syntax, unknown functions and arities are
/// checked here), then search any number of documents.
public struct JMESPathExpression: Sendable {
    /// How deeply an expression's syntax tree may nest.
    public static let maximumDepth = 256

    /// The expression as written.
    public let text: String
    private let root: SyntaxNode

    /// Compiles `text` against `functions`; throws `syntax`, `unknownFunction` or `invalidArity`.
    public init(_ text: String, functions: JMESPathFunctionSet = .standard) throws(JMESPathError) {
        self.text = text
        root = try Parser.parse(text, functions: functions)
        guard root.height <= Self.maximumDepth else {
            throw JMESPathError(kind: .syntax, message: "expression nested deeper than \(Self.maximumDepth)", offset: 0)
        }
    }

    /// The expression's result; `null` when nothing matched.
    public func search(_ document: JSONValue) throws(JMESPathError) -> JSONValue {
        try Interpreter().evaluate(root, document)
    }

    /// MedTech `typeMatchExpression` semantics: a projection gives one match per element, any
    /// other result is one match, and `null` is no match.
    public func searchMatches(_ document: JSONValue) throws(JMESPathError) -> [JSONValue] {
        let result = try search(document)
        if root.isProjection, case .array(let elements) = result { return elements }
        if case .null = result { return [] }
        return [result]
    }

    /// MedTech single-value semantics (JmesPath.Net `SelectToken`): a projection with more than
    /// one element is a `multipleResults` error; `null` is `nil`; anything else, including a
    /// projection of zero or one elements (as an array), is returned.
    public func searchSingle(_ document: JSONValue) throws(JMESPathError) -> JSONValue? {
        let result = try search(document)
        if root.isProjection, case .array(let elements) = result, elements.count > 1 {
            throw JMESPathError(kind: .multipleResults, message: "Multiple tokens were returned using expression \(text)")
        }
        if case .null = result { return .none }
        return result
    }
}

extension SyntaxNode {
    /// Depth of the tree, measured without recursion so that any input is safe to measure.
    var height: Int {
        var deepest = 0
        var stack: [(SyntaxNode, Int)] = [(self, 1)]
        while let (node, depth) = stack.popLast() {
            deepest = max(deepest, depth)
            stack.append(contentsOf: node.children.map { ($0, depth + 1) })
        }
        return deepest
    }

    private var children: [SyntaxNode] {
        switch self {
        case .identity, .field, .index, .slice, .literal: []
        case .subexpression(let left, let right), .indexExpression(let left, let right), .projection(let left, let right),
             .valueProjection(let left, let right), .pipe(let left, let right), .or(let left, let right),
             .and(let left, let right), .comparison(_, let left, let right):
            [left, right]
        case .filterProjection(let left, let right, let condition): [left, right, condition]
        case .flatten(let inner), .not(let inner), .expressionReference(let inner): [inner]
        case .multiSelectList(let items), .function(_, let items): items
        case .multiSelectHash(let pairs): pairs.map(\.value)
        }
    }
}
