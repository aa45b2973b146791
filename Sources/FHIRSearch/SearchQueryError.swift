/// Why `SearchQueryParser` refused a query. `name` is the parameter as written in the query
/// (`subject:Patient.birthdate`), except in `unknownParameter`, which names the code that was
/// not found and the type it was looked up on.
public enum SearchQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The type has no search parameter of this name. Ignored under lenient handling.
    case unknownParameter(name: String, resourceType: String)
    /// A declared parameter Vesta cannot evaluate: `_text`, `_content`, `_query` (no
    /// expression) or a `special` one such as `near`. Ignored under lenient handling.
    case unsupportedParameter(name: String)
    /// A modifier the parameter does not accept, including a `:[type]` that is not a resource
    /// type or not one the reference may point at. Ignored under lenient handling.
    case unknownModifier(name: String, modifier: String)
    /// A chain or `_has` whose parts do not fit together. Ignored under lenient handling.
    case invalidChain(name: String, reason: String)
    /// `:in`, `:not-in`, or `:above`/`:below` on a token: these need a terminology service.
    /// Refused under lenient handling too, since ignoring them would change the results.
    case needsTerminologyService(name: String, modifier: String)
    /// A value that does not parse for its parameter (a bad date, an unknown prefix, the wrong
    /// number of composite parts, an unknown `_sort` key...). `value` is the offending part.
    /// Refused under either handling.
    case invalidValue(name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .unknownParameter(let name, let resourceType):
            "unknown search parameter '\(name)' for \(resourceType)"
        case .unsupportedParameter(let name):
            "search parameter '\(name)' is not supported"
        case .unknownModifier(let name, let modifier):
            "search parameter '\(name)': ':\(modifier)' is not a modifier this parameter accepts"
        case .invalidChain(let name, let reason):
            "search parameter '\(name)': \(reason)"
        case .needsTerminologyService(let name, let modifier):
            "search parameter '\(name)': ':\(modifier)' needs a terminology service, which this server does not have"
        case .invalidValue(let name, let value, let reason):
            "search parameter '\(name)': '\(value)' \(reason)"
        }
    }

    /// Whether lenient handling skips the parameter instead of refusing the query: true for
    /// parameters and modifiers the server does not understand, false for malformed values.
    var isIgnorableWhenLenient: Bool {
        switch self {
        case .unknownParameter, .unsupportedParameter, .unknownModifier, .invalidChain: true
        case .needsTerminologyService, .invalidValue: false
        }
    }
}
