import FHIRCore
import Foundation

/// What evaluating search criteria against one resource's index entries found.
public enum SearchMatch: Sendable, Equatable {
    case matches
    case doesNotMatch
    /// The entries cannot decide: a criterion reads other resources (a chain, `_has`), a
    /// column of the stored row the entries lack (`_id`, `_lastUpdated`), or is one the
    /// database search refuses (`:above`/`:below` on a reference), so run the search instead.
    case needsDatabase
}

/// Decides whether a resource meets search criteria from its own index entries, without a
/// database query: a Subscription's criteria are checked against every resource written, so
/// asking the database per subscription per write would not scale.
///
/// The semantics are those of the store's SQL search over the index rows the same entries
/// become (`SearchSQLBuilder`, `SearchIndexRows`): the same token kinds, normalized strings,
/// precision ranges, prefixes, `:not` as "no value matches", and composites whose components
/// come from one element. Strings compare by their UTF-8 bytes, as PostgreSQL's `=` and `LIKE`
/// do, not by Swift's canonical equivalence.
///
/// ```swift
/// let query = try parser.parse(resourceType: "Observation", parameters: [("code", "http://loinc.org|8867-4")], strict: true)
/// let verdict = SearchMatcher().match(query.criteria, entries: try indexer.indexValues(for: observation))
/// ```
public struct SearchMatcher: Sendable {
    public init() {}

    /// Whether the resource with these entries (`SearchIndexer.indexValues(for:)`) meets every
    /// criterion: `.doesNotMatch` as soon as one fails, else `.needsDatabase` when one cannot be
    /// decided here, else `.matches`.
    public func match(_ criteria: [SearchCriterion], entries: [SearchIndexEntry]) -> SearchMatch {
        let values = Dictionary(grouping: entries, by: \.parameterCode).mapValues { $0.map(\.value) }
        var verdict = SearchMatch.matches
        for criterion in criteria {
            switch evaluate(criterion, values) {
            case .doesNotMatch: return .doesNotMatch
            case .needsDatabase: verdict = .needsDatabase
            case .matches: continue
            }
        }
        return verdict
    }

    private func evaluate(_ criterion: SearchCriterion, _ values: [String: [SearchValue]]) -> SearchMatch {
        switch criterion {
        case .match(let match):
            return evaluate(match, values)
        case .missing(let parameter, let missing):
            // `_id` and `_lastUpdated` are columns every stored resource has.
            if Self.columnParameters.contains(parameter.code) { return verdict(!missing) }
            let table = parameter.type == .composite ? parameter.components.first?.type ?? .token : parameter.type
            let present = values[parameter.code, default: []].contains { value in
                let first = if case .composite(let parts) = value { parts.first } else { value }
                return first.flatMap { IndexRow($0, isReferenceParameter: false) }?.table == table
            }
            return verdict(present != missing)
        case .chain, .reverseChain:
            return .needsDatabase
        case .compartment(let ownerType, let ownerId, let parameters):
            let points = parameters.contains { parameter in
                values[parameter.code, default: []].contains { value in
                    guard case .reference(let type, let id, _)? = IndexRow(value, isReferenceParameter: true) else { return false }
                    return Self.same(type, ownerType) && Self.same(id, ownerId)
                }
            }
            return verdict(points)
        }
    }

    /// The parameters whose entries `match` reads for these criteria: index a resource for
    /// just these (`SearchIndexer.indexValues(for:only:)`) to match it, rather than for every
    /// parameter of its type. Chains and `_has` read none (they go to the database).
    public static func parameterCodes(of criteria: [SearchCriterion]) -> Set<String> {
        var codes: Set<String> = []
        for criterion in criteria {
            switch criterion {
            case .match(let match): codes.insert(match.parameter.code)
            case .missing(let parameter, _): codes.insert(parameter.code)
            case .compartment(_, _, let parameters): codes.formUnion(parameters.map(\.code))
            case .chain, .reverseChain: continue
            }
        }
        return codes
    }

    /// `_id` and `_lastUpdated`: the store answers them from the resource row, not index rows.
    private static let columnParameters: Set<String> = ["_id", "_lastUpdated"]

    private func evaluate(_ match: ParameterMatch, _ values: [String: [SearchValue]]) -> SearchMatch {
        let parameter = match.parameter
        let negated = match.modifier == .not
        switch parameter.code {
        case "_id":
            guard let id = values["_id"]?.lazy.compactMap(Self.tokenCode).first else { return .needsDatabase }
            let found = match.values.contains { value in
                guard case .token(_, let code?) = value else { return false }
                return Self.same(code, id)
            }
            return verdict(found != negated)
        case "_lastUpdated":
            // The row's last_updated is an instant: the start of the entry's millisecond range.
            // Date parameters take no `:not`, and the store applies none here.
            guard let instant = values["_lastUpdated"]?.lazy.compactMap(Self.rangeStart).first else { return .needsDatabase }
            return verdict(match.values.contains { value in
                guard case .date(let prefix, let range) = value else { return false }
                return Self.instantMatches(prefix, range, instant)
            })
        default:
            break
        }
        let stored = values[parameter.code, default: []]
        let found: Bool
        if parameter.type == .composite {
            found = match.values.contains { value in
                guard case .composite(let parts) = value, parts.count == parameter.components.count else { return false }
                return stored.contains { value in
                    guard case .composite(let components) = value, components.count == parts.count else { return false }
                    return zip(parts, components).allSatisfy { part, component in
                        IndexRow(component, isReferenceParameter: false).map { Self.satisfies($0, part, modifier: nil) } ?? false
                    }
                }
            }
        } else {
            if match.modifier == .above || match.modifier == .below, parameter.type == .reference { return .needsDatabase }
            let table = match.modifier == .identifier ? .token : parameter.type
            let rows = stored.compactMap { IndexRow($0, isReferenceParameter: parameter.type == .reference) }.filter { $0.table == table }
            found = rows.contains { row in match.values.contains { Self.satisfies(row, $0, modifier: match.modifier) } }
        }
        return verdict(found != negated)
    }

    private func verdict(_ holds: Bool) -> SearchMatch { holds ? .matches : .doesNotMatch }

    private static func tokenCode(_ value: SearchValue) -> String? {
        if case .token(_, let code, _) = value { code } else { nil }
    }

    private static func rangeStart(_ value: SearchValue) -> FHIRInstant? {
        if case .date(let range) = value { range.low } else { nil }
    }
}
