import FHIRSearch
import Foundation
import PostgresNIO

/// A search of a batch that cannot be run: which one, and why.
public struct ConditionSearchError: Error, Sendable {
    /// The position of the search in the batch.
    public let index: Int
    public let error: SearchExecutionError
}

extension ResourceStore {
    /// Searches per statement in `matches(ofConditions:)`: enough to save the round trips of a
    /// large transaction, few enough that one statement's binds and plan stay small.
    static let conditionsPerStatement = 100

    /// The first two matches of each search (none, one, or two meaning "more than one"), in
    /// the order of `queries`; the matches of the conditions a transaction's entries carry
    /// (`ifNoneExist`, conditional update, conditional references), found in a few statements
    /// instead of one round trip each. Only criteria count: sorting, paging, includes and
    /// totals of the queries are ignored.
    public func matches(ofConditions queries: [SearchQuery]) async throws -> [[StoredResource]] {
        var matches = [[StoredResource]](repeating: [], count: queries.count)
        for start in stride(from: 0, to: queries.count, by: Self.conditionsPerStatement) {
            let chunk = start..<min(start + Self.conditionsPerStatement, queries.count)
            var builder = SearchSQLBuilder(knownTypes: knownTypes, blindIndex: blindIndex)
            var selects: [String] = []
            for index in chunk {
                do {
                    selects.append(try conditionSelect(queries[index], position: index, builder: &builder))
                } catch let error as SearchExecutionError {
                    throw ConditionSearchError(index: index, error: error)
                }
            }
            let rows = try await database.query(
                PostgresQuery(unsafeSQL: selects.joined(separator: "\nUNION ALL\n"), binds: builder.binds), logger: logger)
            for try await (position, id, version, lastUpdated, json) in rows.decode((Int32, String, Int32, Date, String?).self) {
                let type = queries[Int(position)].resourceType
                matches[Int(position)].append(
                    try stored(type: type, id: id, version: Int(version), lastUpdated: lastUpdated, deleted: false, json: json))
            }
        }
        return matches
    }

    /// One search of the batch: the position, then the first two matching rows.
    private func conditionSelect(_ query: SearchQuery, position: Int, builder: inout SearchSQLBuilder) throws -> String {
        var criteriaOnly = SearchQuery(resourceType: query.resourceType)
        criteriaOnly.criteria = query.criteria
        let plan = try SearchPlan.make(criteriaOnly, registry: registry, builder: &builder)
        return """
            (SELECT \(position)::int4, r.id, r.version, r.last_updated, coalesce(r.exact_text, r.body::text) \(plan.fromWhere) LIMIT 2)
            """
    }
}
