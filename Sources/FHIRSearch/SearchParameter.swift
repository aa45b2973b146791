import FHIRPath

/// The search-parameter types of FHIR R4 (`SearchParameter.type`).
public enum SearchParameterType: String, Sendable, CaseIterable {
    case number, date, string, token, reference, composite, quantity, uri, special
}

/// One declared search parameter, as indexing and query parsing need it.
public struct SearchParameter: Sendable {
    /// The name used in queries: `code`, `subject`, `_lastUpdated`.
    public let code: String
    /// The canonical URL; composite components name their parameters by it.
    public let url: String
    public let type: SearchParameterType
    /// The resource types it is declared on (`Resource` and `DomainResource` apply to every type).
    public let base: [String]
    /// What it indexes; nil for `_text`, `_content` and `_query`, which have no expression.
    /// On a resource, the branches of a multi-type union for other types select nothing.
    public let expression: FHIRPathExpression?
    /// For reference parameters: the resource types the reference may point at.
    public let targets: [String]
    /// The modifiers it allows: `SearchParameter.modifier` when declared, else those FHIR R4
    /// defines for its type (`:missing`, `:exact`, `:text`, ...; `:[type]` is listed as `type`).
    public let modifiers: [String]
    /// The prefixes it allows (`eq`, `gt`, `ap`, ...), as declared.
    public let comparators: [String]
    /// For composite parameters: the parts, in order.
    public let components: [Component]

    /// One part of a composite parameter.
    public struct Component: Sendable {
        /// The URL of the parameter that defines this part.
        public let definition: String
        /// That parameter's type, which decides how the part is indexed and parsed.
        public let type: SearchParameterType
        /// Evaluated on each element the composite's `expression` selects.
        public let expression: FHIRPathExpression
    }

    /// The modifiers FHIR R4 allows on each parameter type.
    static func defaultModifiers(for type: SearchParameterType) -> [String] {
        switch type {
        case .string: ["missing", "exact", "contains"]
        case .token: ["missing", "text", "not", "above", "below", "in", "not-in", "of-type"]
        case .reference: ["missing", "type", "identifier", "above", "below"]
        case .uri: ["missing", "above", "below"]
        case .number, .date, .quantity, .composite: ["missing"]
        case .special: []
        }
    }
}
