/// Turns the parameters of a FHIR search (`GET /Observation?code=…&_count=10`) into a
/// `SearchQuery`: criteria with typed, normalized values, sort keys, paging and includes.
///
/// ```swift
/// let parser = SearchQueryParser(registry: registry, resourceTypes: types)
/// let query = try parser.parse(
///     resourceType: "Observation",
///     parameters: [("code", "http://loinc.org|8480-6"), ("date", "ge2024-01"), ("_sort", "-date")],
///     strict: false
/// )
/// ```
///
/// Unknown parameters and modifiers are refused under strict handling (`Prefer:
/// handling=strict`) and skipped under lenient handling; malformed values are refused under
/// both. A parameter given with an empty value is ignored.
public struct SearchQueryParser: Sendable {
    let registry: SearchParameterRegistry
    /// The resource types the server knows, for the types named in chains, `_has` and includes.
    let resourceTypes: Set<String>

    /// The largest `_count`; larger values are lowered to it.
    public static let maximumCount = 1000

    /// Parameters of every interaction that do not affect what a search returns.
    private static let ignoredParameters: Set<String> = ["_format", "_pretty", "_contained", "_containedType"]

    /// - Parameters:
    ///   - registry: the search parameters, looked up by code for each type.
    ///   - resourceTypes: the resource types the server knows.
    public init(registry: SearchParameterRegistry, resourceTypes: Set<String>) {
        self.registry = registry
        self.resourceTypes = resourceTypes
    }

    /// Whether `type` is a resource type this server searches.
    public func isSearchable(_ type: String) -> Bool {
        resourceTypes.contains(type)
    }

    /// Parses a search on `resourceType`.
    /// - Parameters:
    ///   - parameters: the decoded query (or form) pairs, in order. A repeated parameter is a
    ///     separate criterion (AND); commas within a value separate alternatives (OR).
    ///   - strict: `Prefer: handling=strict`: refuse unknown parameters and modifiers instead of
    ///     skipping them.
    public func parse(
        resourceType: String,
        parameters: [(name: String, value: String)],
        strict: Bool
    ) throws(SearchQueryError) -> SearchQuery {
        var query = SearchQuery(resourceType: resourceType)
        for (name, value) in parameters where !value.isEmpty && !Self.ignoredParameters.contains(name) {
            if name == "_cursor" {
                query.cursor = value
                continue
            }
            do {
                if try !applyResultParameter(name: name, value: value, to: &query) {
                    query.criteria.append(try criterion(name[...], on: resourceType, name: name, value: value))
                }
                query.applied.append((name, value))
            } catch {
                guard !strict, error.isIgnorableWhenLenient else { throw error }
            }
        }
        return query
    }
}
