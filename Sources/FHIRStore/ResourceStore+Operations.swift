import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

/// `Observation/$lastn` and `Patient/$everything`, answered from the search index.
extension ResourceStore {
    /// The newest `max` Observations per code for one patient (`$lastn`): `query` must name the
    /// patient (`patient` or `subject`); its other criteria (`category`, `code`, `date`, …)
    /// filter before the newest are taken. One ordered timeline scan per code.
    public func lastN(_ query: SearchQuery, max: Int) async throws -> [StoredResource] {
        var subject: String?
        var criteria: [SearchCriterion] = []
        for criterion in query.criteria {
            if subject == nil, case .match(let match) = criterion, let patient = TimelineShape.patientReference(match) {
                subject = patient
            } else {
                criteria.append(criterion)
            }
        }
        guard let subject else { throw SearchExecutionError.unsupported("$lastn needs one patient: patient=<id> or subject=Patient/<id>") }
        var builder = SearchSQLBuilder(knownTypes: knownTypes, blindIndex: blindIndex)
        let subjectBind = builder.bind(subject)
        let conditions = ["NOT r.deleted"] + (try builder.conditions(criteria, type: "Observation", row: "r"))
        let limit = builder.bind(Int64(max))
        let sql = """
            WITH RECURSIVE codes AS (
                (SELECT code FROM observation_timeline WHERE subject = \(subjectBind) ORDER BY code LIMIT 1)
                UNION ALL
                SELECT (SELECT code FROM observation_timeline WHERE subject = \(subjectBind) AND code > codes.code ORDER BY code LIMIT 1)
                  FROM codes WHERE codes.code IS NOT NULL
            ), newest AS (
                SELECT DISTINCT ON (n.key) n.key, c.code, n.hi FROM codes c CROSS JOIN LATERAL (
                    SELECT tl.key, tl.hi FROM observation_timeline tl JOIN r_observation r ON r.key = tl.key
                     WHERE tl.subject = \(subjectBind) AND tl.code = c.code AND \(conditions.joined(separator: " AND "))
                     ORDER BY tl.hi DESC, tl.key DESC LIMIT \(limit)
                ) n WHERE c.code IS NOT NULL
            )
            SELECT r.id, r.version, r.last_updated, coalesce(r.exact_text, r.body::text)
              FROM newest n JOIN r_observation r ON r.key = n.key ORDER BY n.code, n.hi DESC, n.key DESC
            """
        var found: [StoredResource] = []
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: builder.binds), logger: logger)
        for try await (id, version, lastUpdated, json) in rows.decode((String, Int32, Date, String?).self) {
            found.append(try stored(type: "Observation", id: id, version: Int(version), lastUpdated: lastUpdated, deleted: false, json: json))
        }
        return found
    }

    /// One page of `Patient/$everything`: the patient (on the first page) and every current
    /// resource in its compartment, in key order; `types` limits the member types (`_type`),
    /// `since` to resources changed since then (`_since`).
    public func everything(
        patientId: String, types: Set<String>?, since: FHIRInstant?, count: Int, cursor: String?
    ) async throws -> SearchPage {
        let patient = try await read(type: "Patient", id: patientId)
        if patient.isDeleted { throw StoreError.deleted(type: "Patient", id: patientId, version: patient.version) }
        var typeByKey: [Int32: String] = [:]
        for type in knownTypes where types?.contains(type) ?? true {
            for membership in registry.compartments(for: type) where membership.compartment == "Patient" {
                for code in membership.parameterCodes where code != "{def}" {
                    typeByKey[SearchParameterKey.of(type, code)] = type
                }
            }
        }
        var after: Int64 = 0
        if let cursor {
            guard let position = SearchCursor(token: cursor, count: 1), let key = position.values[0].flatMap({ Int64($0) }) else {
                throw SearchExecutionError.invalidCursor
            }
            after = key
        }
        let rows = try await database.query(
            """
            SELECT key, min(pid) FROM sp_reference
             WHERE pid = ANY(\(Array(typeByKey.keys))) AND target_type = 'Patient' AND target_id = \(patientId) AND key > \(after)
             GROUP BY key ORDER BY key LIMIT \(Int64(count + 1))
            """, logger: logger)
        var members: [(key: Int64, type: String)] = []
        for try await (key, pid) in rows.decode((Int64, Int32).self) {
            if let type = typeByKey[pid] { members.append((key, type)) }
        }
        let hasMore = members.count > count
        if hasMore { members.removeLast() }
        var byKey: [Int64: StoredResource] = [:]
        for (type, group) in Dictionary(grouping: members, by: \.type) {
            var condition = "r.key = ANY($1)"
            var binds: [any PostgresNonThrowingEncodable & Sendable] = [group.map(\.key)]
            if let since {
                condition += " AND r.last_updated >= $2"
                binds.append(since.date)
            }
            for row in try await currentRows(type: type, condition: condition, binds: binds) { byKey[row.key] = row.resource }
        }
        var matches = members.compactMap { byKey[$0.key] }
        let patientIncluded = cursor == nil && (types?.contains("Patient") ?? true)
            && since.map { patient.lastUpdated >= $0 } ?? true
        if patientIncluded { matches.insert(patient, at: 0) }
        let next = hasMore ? members.last.map { SearchCursor(values: [String($0.key)]).token } : nil
        return SearchPage(matches: matches, included: [], nextCursor: next, total: nil)
    }
}
