/// A parsed FHIR search: what to match, how to order, what to return. Built by
/// `SearchQueryParser` from the query string; run by the store's search executor.
public struct SearchQuery: Sendable {
    /// The type searched: `Observation` for `GET /Observation?…`.
    public var resourceType: String
    /// Every criterion must hold (parameters repeated in the query are separate criteria).
    public var criteria: [SearchCriterion] = []
    /// Sort keys in order of precedence; empty means the server's stable default (insertion order).
    public var sort: [SortKey] = []
    /// `_count`: entries per page; nil for the server default.
    public var count: Int?
    /// `_total`.
    public var total: TotalMode = .none
    /// `_summary`; nil when not given.
    public var summary: SummaryMode?
    /// `_elements`: element names to keep (plus the mandatory ones); nil when not given.
    public var elements: [String]?
    /// `_include` and `_revinclude`, in the order given.
    public var includes: [IncludeDirective] = []
    /// `_cursor`: where the page starts, as the executor encoded it in a previous page's link.
    public var cursor: String?
    /// The parameters that were applied, name and raw value as given, for the `self` link.
    /// Under lenient handling, ignored unknown parameters are not listed.
    public var applied: [(name: String, value: String)] = []

    public init(resourceType: String) {
        self.resourceType = resourceType
    }
}

/// One condition on a resource of the searched type.
public indirect enum SearchCriterion: Sendable {
    /// A parameter matched against values: any value may match (comma = OR).
    case match(ParameterMatch)
    /// `:missing=true|false`: whether the resource has no value for the parameter.
    case missing(SearchParameter, Bool)
    /// A chain (`subject:Patient.name=x`): the reference parameter points at a resource of
    /// one of `targetTypes` that meets `inner` (evaluated on that type).
    case chain(reference: SearchParameter, targetTypes: [String], inner: SearchCriterion)
    /// Reverse chaining (`_has:Observation:patient:code=x`): some resource of `sourceType`
    /// whose `reference` parameter points at this resource meets `inner`.
    case reverseChain(sourceType: String, reference: SearchParameter, inner: SearchCriterion)
    /// Compartment search (`Patient/p1/Observation`): one of `parameters` (reference
    /// parameters of the searched type) points at `ownerType/ownerId`.
    case compartment(ownerType: String, ownerId: String, parameters: [SearchParameter])
}

/// A parameter, an optional modifier, and the values any of which may match.
public struct ParameterMatch: Sendable {
    public var parameter: SearchParameter
    public var modifier: SearchModifier?
    /// Never empty.
    public var values: [SearchMatchValue]

    public init(parameter: SearchParameter, modifier: SearchModifier?, values: [SearchMatchValue]) {
        self.parameter = parameter
        self.modifier = modifier
        self.values = values
    }
}

/// The modifiers search evaluates. `:missing` becomes `SearchCriterion.missing`; a `:[type]`
/// on a reference becomes `.type`; `:in`, `:not-in`, token `:above`/`:below` need a
/// terminology service and are rejected by the parser.
public enum SearchModifier: Sendable, Hashable {
    case exact, contains, text, not, above, below, identifier, ofType
    /// `subject:Patient=123`: the reference must be to this type.
    case type(String)
}

/// Comparison prefixes of number, date and quantity values.
public enum SearchPrefix: String, Sendable, CaseIterable {
    case eq, ne, gt, lt, ge, le, sa, eb, ap
}

/// One value to compare against, already parsed and normalized for its parameter type.
public enum SearchMatchValue: Sendable, Hashable {
    /// Token. `system`: nil = any system (`code`), `.some(nil)` = no system (`|code`),
    /// `.some(s)` = that system. `code` nil = any code (`system|`).
    /// With `:text`, `code` holds the normalized text; with `:of-type`, `system` is
    /// `typeSystem|typeCode` and `code` the identifier value; with `:identifier` on a
    /// reference, system and code are the identifier's.
    case token(system: String??, code: String?)
    /// String. Normalized (`SearchValueNormalizer.normalizeString`) for the default and
    /// `:contains`; as written for `:exact`.
    case string(String)
    /// Date with its implicit precision range.
    case date(SearchPrefix, SearchDateRange)
    /// Number: `number` carries the exact value (`lexeme`) and precision range.
    case number(SearchPrefix, SearchNumber)
    /// Quantity: number, and optionally unit system and code (`5.4|http://unitsofmeasure.org|mg`).
    /// A unit without a system (`5.4||mg`) matches the code or the human-readable unit.
    case quantity(SearchPrefix, SearchNumber, system: String?, code: String?)
    /// Reference: `Type/id` (type known), `id` (type nil: any target type), or an absolute URL
    /// (`url`, with type and id read from its tail when it has one). `version` from `/_history/n`.
    case reference(type: String?, id: String?, url: String?, version: String?)
    /// Uri, as written.
    case uri(String)
    /// Composite: one value per component, in the components' order (`$`-separated).
    case composite([SearchMatchValue])
}

/// A `_sort` key: a parameter of the searched type (or `_id`, `_lastUpdated`), ascending
/// unless written with `-`.
public struct SortKey: Sendable {
    public var parameter: SearchParameter
    public var descending: Bool

    public init(parameter: SearchParameter, descending: Bool) {
        self.parameter = parameter
        self.descending = descending
    }
}

/// `_total`.
public enum TotalMode: String, Sendable {
    case none, estimate, accurate
}

/// `_summary`.
public enum SummaryMode: String, Sendable {
    case `true`, text, data, count, `false`
}

/// `_include=Source:param[:Target]` or `_revinclude=…`, optionally `:iterate`.
/// `parameter` nil means `*`: every reference parameter of `sourceType`.
public struct IncludeDirective: Sendable {
    public var reverse: Bool
    public var sourceType: String
    public var parameter: SearchParameter?
    public var targetType: String?
    public var iterate: Bool

    public init(reverse: Bool, sourceType: String, parameter: SearchParameter?, targetType: String?, iterate: Bool) {
        self.reverse = reverse
        self.sourceType = sourceType
        self.parameter = parameter
        self.targetType = targetType
        self.iterate = iterate
    }
}
