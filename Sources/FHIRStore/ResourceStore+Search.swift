import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

/// One page of a search.
public struct SearchPage: Sendable {
    /// The matches of this page, in order.
    public let matches: [StoredResource]
    /// Resources `_include` and `_revinclude` added, each once, none of them a match.
    public let included: [StoredResource]
    /// `_cursor` of the next page; nil on the last page.
    public let nextCursor: String?
    /// `_cursor` of the previous page; nil on the first page.
    public let previousCursor: String?
    /// Matches in all pages, when `_total` (or `_summary=count`) asked for it.
    public let total: Int?

    public init(matches: [StoredResource], included: [StoredResource], nextCursor: String?, previousCursor: String? = nil, total: Int?) {
        self.matches = matches
        self.included = included
        self.nextCursor = nextCursor
        self.previousCursor = previousCursor
        self.total = total
    }
}

extension ResourceStore {
    /// Most resources `_include`/`_revinclude` add to one page, so a page stays bounded.
    static let includeLimit = 1000

    /// Runs a search: one page of `count` matches from `query.cursor`, with totals and
    /// includes as the query asks. Deleted resources never match.
    public func search(_ query: SearchQuery, count: Int) async throws -> SearchPage {
        let countOnly = query.summary == .count || count == 0
        var total: Int?
        if countOnly || query.total == .accurate {
            total = try await countMatches(query)
        } else if query.total == .estimate {
            total = try await estimateMatches(query)
        }
        if countOnly { return SearchPage(matches: [], included: [], nextCursor: nil, total: total) }

        let statement = try pageStatement(query, count: count)
        let backward = query.cursor?.first == "~"
        var rows: [(key: Int64, resource: StoredResource, cursor: String)] = []
        let result = try await database.query(statement, logger: logger)
        for try await (key, id, version, lastUpdated, json, cursor) in result.decode((Int64, String, Int32, Date, String?, String).self) {
            let resource = try stored(type: query.resourceType, id: id, version: Int(version), lastUpdated: lastUpdated, deleted: false, json: json)
            rows.append((key, resource, cursor))
        }
        // One row beyond the page says whether there is more in the direction read.
        let more = rows.count > count
        if more { rows.removeLast() }
        if backward { rows.reverse() }
        func cursor(_ row: (key: Int64, resource: StoredResource, cursor: String)?, backward: Bool) -> String? {
            row.flatMap { SearchCursor(json: $0.cursor, backward: backward) }?.token
        }
        let hasNext = backward || more
        let hasPrevious = backward ? more : query.cursor != nil
        let included = try await includes(query.includes, of: rows.map { IncludedRow(key: $0.key, resource: $0.resource) })
        return SearchPage(matches: rows.map(\.resource), included: included,
                          nextCursor: hasNext ? cursor(rows.last, backward: false) : nil,
                          previousCursor: hasPrevious ? cursor(rows.first, backward: true) : nil, total: total)
    }

    /// The statement of one page: keys and sort values of up to `count + 1` matches after the
    /// cursor, in order (before a backward cursor, in reverse order), then their bodies, and each
    /// row's cursor as a JSON array of text.
    func pageStatement(_ query: SearchQuery, count: Int) throws -> PostgresQuery {
        var builder = SearchSQLBuilder(knownTypes: knownTypes, blindIndex: blindIndex)
        let plan = try SearchPlan.make(query, registry: registry, builder: &builder)
        var fromWhere = plan.fromWhere
        var backward = false
        if let token = query.cursor {
            guard let cursor = SearchCursor(token: token, count: plan.order.count) else { throw SearchExecutionError.invalidCursor }
            backward = cursor.backward
            fromWhere += " AND " + plan.beyond(cursor, before: cursor.backward, builder: &builder)
        }
        let sortColumns = plan.order.indices.map { "s\($0)" }
        let selected = zip(plan.order, sortColumns).map { "\($0.expression) AS \($1)" }
        let cursorValues = sortColumns.map { "p.\($0)::text" }.joined(separator: ", ")
        let limit = builder.bind(Int64(count + 1))
        let table = try builder.table(query.resourceType)
        let sql = """
            WITH page AS (
                SELECT \(selected.joined(separator: ", ")) \(fromWhere)
                 ORDER BY \(plan.orderBy(sortColumns, reversed: backward)) LIMIT \(limit)
            )
            SELECT r.key, r.id, r.version, r.last_updated, coalesce(r.exact_text, r.body::text), json_build_array(\(cursorValues))::text
              FROM page p JOIN \(table) r ON r.key = p.\(sortColumns[sortColumns.count - 1])
             ORDER BY \(plan.orderBy(sortColumns.map { "p.\($0)" }, reversed: backward))
            """
        return PostgresQuery(unsafeSQL: sql, binds: builder.binds)
    }

    /// The exact number of matches.
    private func countMatches(_ query: SearchQuery) async throws -> Int {
        var builder = SearchSQLBuilder(knownTypes: knownTypes, blindIndex: blindIndex)
        let plan = try SearchPlan.make(query, registry: registry, builder: &builder)
        let rows = try await database.query(PostgresQuery(unsafeSQL: "SELECT count(*) \(plan.fromWhere)", binds: builder.binds), logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// The planner's estimate of the number of matches: cheap, and right in magnitude.
    private func estimateMatches(_ query: SearchQuery) async throws -> Int {
        var builder = SearchSQLBuilder(knownTypes: knownTypes, blindIndex: blindIndex)
        let plan = try SearchPlan.make(query, registry: registry, builder: &builder)
        let rows = try await database.query(
            PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) SELECT 1 \(plan.fromWhere)", binds: builder.binds), logger: logger)
        for try await text in rows.decode(String.self) {
            let plan = (try? JSONReader.parse(text))?.arrayValue?.first?["Plan"]
            if case .number(let lexeme)? = plan?["Plan Rows"], let estimate = Double(lexeme) { return Int(estimate) }
        }
        return 0
    }

    // MARK: Includes

    struct IncludedRow {
        let key: Int64
        let resource: StoredResource
    }

    /// Applies the include directives to the page, then the `:iterate` ones to what they
    /// added, until nothing new comes (at most `includeLimit` resources).
    private func includes(_ directives: [IncludeDirective], of matches: [IncludedRow]) async throws -> [StoredResource] {
        guard !directives.isEmpty, !matches.isEmpty else { return [] }
        var seen = Set(matches.map { "\($0.resource.type)/\($0.resource.id)" })
        var included: [StoredResource] = []
        var frontier = matches
        var active = directives
        for _ in 0..<8 where !frontier.isEmpty && !active.isEmpty && included.count < Self.includeLimit {
            var added: [IncludedRow] = []
            for directive in active {
                let rows = directive.reverse
                    ? try await reverseIncluded(directive, of: frontier)
                    : try await forwardIncluded(directive, of: frontier)
                for row in rows where seen.insert("\(row.resource.type)/\(row.resource.id)").inserted {
                    added.append(row)
                }
            }
            added = Array(added.prefix(Self.includeLimit - included.count))
            included += added.map(\.resource)
            frontier = added
            active = directives.filter(\.iterate)
        }
        return included
    }

    /// The resources the directive's reference parameter points at from `sources`.
    private func forwardIncluded(_ directive: IncludeDirective, of sources: [IncludedRow]) async throws -> [IncludedRow] {
        let keys = sources.filter { $0.resource.type == directive.sourceType }.map(\.key)
        let pids = referenceKeys(directive, on: directive.sourceType)
        guard !keys.isEmpty, !pids.isEmpty else { return [] }
        let rows = try await database.query(
            """
            SELECT DISTINCT target_type, target_id FROM sp_reference
             WHERE key = ANY(\(keys)) AND pid = ANY(\(pids)) AND target_type IS NOT NULL AND target_id IS NOT NULL
               AND (\(directive.targetType)::text IS NULL OR target_type = \(directive.targetType))
            """, logger: logger)
        var idsByType: [String: [String]] = [:]
        for try await (type, id) in rows.decode((String, String).self) where knownTypes.contains(type) {
            idsByType[type, default: []].append(id)
        }
        var found: [IncludedRow] = []
        for (type, ids) in idsByType.sorted(by: { $0.key < $1.key }) {
            found += try await currentRows(type: type, condition: "r.id = ANY($1)", binds: [ids])
        }
        return found
    }

    /// The resources of the directive's source type whose reference parameter points at `targets`.
    private func reverseIncluded(_ directive: IncludeDirective, of targets: [IncludedRow]) async throws -> [IncludedRow] {
        let pids = referenceKeys(directive, on: directive.sourceType)
        guard !pids.isEmpty else { return [] }
        var found: [IncludedRow] = []
        for (type, group) in Dictionary(grouping: targets, by: \.resource.type).sorted(by: { $0.key < $1.key }) {
            if let wanted = directive.targetType, wanted != type { continue }
            found += try await currentRows(
                type: directive.sourceType,
                condition: """
                    EXISTS (SELECT 1 FROM sp_reference f WHERE f.key = r.key AND f.pid = ANY($1) \
                    AND f.target_type = $2 AND f.target_id = ANY($3))
                    """,
                binds: [pids, type, group.map(\.resource.id)])
        }
        return found
    }

    /// Index keys of the directive's reference parameter, or of every reference parameter for `*`.
    private func referenceKeys(_ directive: IncludeDirective, on type: String) -> [Int32] {
        let parameters = directive.parameter.map { [$0] } ?? registry.parameters(for: type).filter { $0.type == .reference }
        return parameters.map { SearchParameterKey.of(type, $0.code) }
    }

    /// Current, not deleted rows of `type` meeting `condition` (over alias `r`), at most `includeLimit`.
    func currentRows(type: String, condition: String, binds values: [any PostgresNonThrowingEncodable & Sendable]) async throws -> [IncludedRow] {
        let table = try Tables(type, known: knownTypes).current
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        let sql = """
            SELECT r.key, r.id, r.version, r.last_updated, coalesce(r.exact_text, r.body::text) FROM \(table) r
             WHERE NOT r.deleted AND \(condition) ORDER BY r.key LIMIT \(Self.includeLimit)
            """
        var found: [IncludedRow] = []
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await (key, id, version, lastUpdated, json) in rows.decode((Int64, String, Int32, Date, String?).self) {
            found.append(IncludedRow(key: key, resource: try stored(type: type, id: id, version: Int(version), lastUpdated: lastUpdated, deleted: false, json: json)))
        }
        return found
    }
}
