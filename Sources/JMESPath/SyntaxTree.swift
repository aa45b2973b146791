import FHIRCore

/// A parsed JMESPath expression (node kinds follow the specification's grammar).
indirect enum SyntaxNode: Sendable {
    /// `@`, and the implicit right-hand side of a projection.
    case identity
    case field(String)
    case subexpression(SyntaxNode, SyntaxNode)
    case index(Int)
    case slice(start: Int?, stop: Int?, step: Int?)
    /// `left[index]` or `left[start:stop:step]`.
    case indexExpression(SyntaxNode, SyntaxNode)
    /// List projection: `right` applied to each element of the array `left`, nulls dropped.
    case projection(SyntaxNode, SyntaxNode)
    /// Object projection (`*`): `right` applied to each member value of `left`.
    case valueProjection(SyntaxNode, SyntaxNode)
    case filterProjection(SyntaxNode, SyntaxNode, condition: SyntaxNode)
    case flatten(SyntaxNode)
    case pipe(SyntaxNode, SyntaxNode)
    case or(SyntaxNode, SyntaxNode)
    case and(SyntaxNode, SyntaxNode)
    case not(SyntaxNode)
    case comparison(ComparisonOperator, SyntaxNode, SyntaxNode)
    case literal(JSONValue)
    case multiSelectList([SyntaxNode])
    case multiSelectHash([KeyedNode])
    case function(JMESPathFunction, [SyntaxNode])
    /// `&expr`: an expression handed unevaluated to a function.
    case expressionReference(SyntaxNode)

    /// Whether the expression's result is a projection (MedTech: one match per element).
    var isProjection: Bool {
        switch self {
        case .projection, .valueProjection, .filterProjection: true
        // `[` binds tighter than `.`, so `a.b[*]` is a subexpression whose right side projects.
        case .pipe(_, let right), .subexpression(_, let right): right.isProjection
        default: false
        }
    }
}

struct KeyedNode: Sendable {
    let key: String
    let value: SyntaxNode
}

enum ComparisonOperator: Sendable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
}
