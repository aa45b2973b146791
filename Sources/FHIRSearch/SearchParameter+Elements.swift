import FHIRPath

extension SearchParameter {
    /// The top-level elements of a `resourceType` resource its index values can depend on
    /// (see `FHIRPathExpression.topLevelElements(readFrom:)`), or nil when they cannot be
    /// bounded or the parameter has no expression (`_text`, `_content`, `_query`).
    ///
    /// Besides what the expression reads: a composite's components, evaluated on each item it
    /// selects; and `contained` when a Reference is indexed, since a `#id` reference is indexed
    /// with the type of the contained resource it points at.
    ///
    /// ```swift
    /// registry.parameter("code-value-quantity", for: "Observation")?.topLevelElements(readFrom: "Observation")
    /// // ["code", "value"]
    /// ```
    public func topLevelElements(readFrom resourceType: String) -> Set<String>? {
        guard let expression else { return nil }
        let elements = type == .composite
            ? expression.topLevelElements(readFrom: resourceType, thenEvaluating: components.map(\.expression))
            : expression.topLevelElements(readFrom: resourceType)
        guard var elements, !elements.isEmpty else { return elements }
        if type == .reference || components.contains(where: { $0.type == .reference }) { elements.insert("contained") }
        return elements
    }
}
