import FHIRCore

/// One value a resource has for one search parameter.
public struct SearchIndexEntry: Sendable, Hashable {
    /// The parameter's `code` (`subject`, `_lastUpdated`), unique within a resource type.
    public let parameterCode: String
    public let value: SearchValue

    public init(parameterCode: String, value: SearchValue) {
        self.parameterCode = parameterCode
        self.value = value
    }
}

/// A search value, typed as the FHIR search rules compare it. A parameter's entries use the
/// kinds of its type; `token` parameters also give `.text` and `.identifierOfType`, and
/// `reference` parameters give `.token` for `Reference.identifier` (`:identifier`).
public enum SearchValue: Sendable, Hashable {
    /// A code in a system: Coding, each coding of a CodeableConcept, Identifier (system|value),
    /// ContactPoint (value only), or a primitive (`code`, `boolean`, `id`, `string`, `uri`: no
    /// system). `display` is the coding's display, for a token dictionary.
    case token(system: String?, code: String, display: String?)
    /// Text that `:text` searches: Coding.display, CodeableConcept.text, Identifier.type.text.
    case text(SearchString)
    /// An Identifier under one of its type codings, for `:of-type` (`typeSystem|typeCode|value`).
    case identifierOfType(typeSystem: String?, typeCode: String, value: String)
    /// A string part: a primitive, or one part of a HumanName or Address.
    case string(SearchString)
    case date(SearchDateRange)
    case number(SearchNumber)
    case quantity(SearchQuantity)
    case reference(SearchReference)
    /// A uri, url or canonical; a canonical's `|version` is split off.
    case uri(String, version: String?)
    /// One value per component, in the order of the parameter's components, all taken from the
    /// same element (one blood-pressure component gives one code–quantity pair).
    case composite([SearchValue])
}

/// A string as written and in the form string search compares.
public struct SearchString: Sendable, Hashable {
    /// As written, for `:exact`.
    public let original: String
    /// `SearchValueNormalizer.normalizeString(original)`, for the default starts-with and `:contains`.
    public let normalized: String

    public init(_ original: String) {
        self.original = original
        normalized = SearchValueNormalizer.normalizeString(original)
    }
}

/// A span of time, `low` inclusive and `high` exclusive; nil is unbounded (a Period without a
/// start or end).
public struct SearchDateRange: Sendable, Hashable {
    public let low: FHIRInstant?
    public let high: FHIRInstant?

    public init(low: FHIRInstant?, high: FHIRInstant?) {
        self.low = low
        self.high = high
    }
}

/// A number with the range its precision implies (`5.4` → `[5.35, 5.45)`), or a range
/// without a single value (a Range, a Quantity with a comparator); nil bounds are unbounded.
public struct SearchNumber: Sendable, Hashable {
    /// The number exactly as written; nil for ranges.
    public let lexeme: String?
    /// Inclusive.
    public let low: SearchDecimal?
    /// Exclusive.
    public let high: SearchDecimal?

    public init(lexeme: String?, low: SearchDecimal?, high: SearchDecimal?) {
        self.lexeme = lexeme
        self.low = low
        self.high = high
    }

    /// The exact value of `lexeme`.
    public var value: SearchDecimal? { lexeme.flatMap(SearchDecimal.init) }
}

/// A Quantity (or Age, Duration, Count, Distance, Money, Range) as search compares it.
public struct SearchQuantity: Sendable, Hashable {
    public let number: SearchNumber
    /// The unit system (`http://unitsofmeasure.org`; `urn:iso:std:iso:4217` for Money).
    public let system: String?
    /// The coded unit (`[lb_av]`; the currency for Money).
    public let code: String?
    /// The human-readable unit (`lbs`).
    public let unit: String?

    public init(number: SearchNumber, system: String?, code: String?, unit: String?) {
        self.number = number
        self.system = system
        self.code = code
        self.unit = unit
    }
}
