import FHIRCore
import Foundation
import PostgresNIO

/// The current row of a resource as `lockCurrent` found it: what a set-based writer needs to
/// build the next version and to replace exactly this one.
public struct CurrentResource: Sendable {
    let key: Int64
    public let version: Int
    public let isDeleted: Bool
    /// The resource JSON, unsealed; nil for a tombstone.
    public let json: String?
}

/// The next version of a resource `lockCurrent` returned (`replaceAll`).
public struct Replacement: Sendable {
    public let type: String
    public let id: String
    public let current: CurrentResource
    public let resource: JSONObject

    public init(type: String, id: String, current: CurrentResource, resource: JSONObject) {
        self.type = type
        self.id = id
        self.current = current
        self.resource = resource
    }
}

extension ResourceStore {
    /// The current rows of `ids` of one type (tombstones included; absent ids are missing from
    /// the result). Inside `transaction` the rows are locked until it ends, taken in id order,
    /// so writers locking overlapping sets cannot deadlock and the versions read stay current
    /// for `replaceAll`.
    public func lockCurrent(type: String, ids: [String]) async throws -> [String: CurrentResource] {
        let tables = try writableTables(type)
        guard !ids.isEmpty else { return [:] }
        let lock = database.isTransaction ? " FOR UPDATE" : ""
        let rows = try await database.query(
            """
            SELECT key, id, version, deleted, coalesce(exact_text, body::text) FROM \(unescaped: tables.current)
             WHERE id = ANY(\(ids)) ORDER BY id\(unescaped: lock)
            """, logger: logger)
        var found: [String: CurrentResource] = [:]
        for try await (key, id, version, deleted, json) in rows.decode((Int64, String, Int32, Bool, String?).self) {
            let text = deleted ? nil : try json.map { try sealer.unseal($0, type: type, id: id, version: Int(version)) }
            found[id] = CurrentResource(key: key, version: Int(version), isDeleted: deleted, json: text)
        }
        return found
    }

    /// Writes the next version of every resource, set-based: the bodies and index rows are
    /// built in Swift, then each type's archive to history, row updates, index rows and
    /// change-log rows go in one statement per `createChunkSize` resources. Meant for rows
    /// `lockCurrent` locked in the same `transaction`; outside one it runs in a transaction of
    /// its own and, when any row is no longer the version read, writes nothing and throws
    /// `StoreError.concurrentUpdate`. Results are in input order.
    public func replaceAll(_ replacements: [Replacement]) async throws -> [WriteResult] {
        guard database.isTransaction else {
            return try await transaction { try await $0.replaceAll(replacements) }
        }
        let now = FHIRInstant.now()
        var byType: [String: [(replacement: Replacement, body: Body)]] = [:]
        var results: [WriteResult] = []
        var bodies: [Body] = []
        for replacement in replacements {
            _ = try writableTables(replacement.type)
            let body = try storedBody(replacement.resource, type: replacement.type, id: replacement.id,
                                      version: replacement.current.version + 1, lastUpdated: now)
            byType[replacement.type, default: []].append((replacement, body))
            bodies.append(body)
            results.append(WriteResult(resource: body.stored, created: replacement.current.isDeleted))
        }
        for (type, items) in byType.sorted(by: { $0.key < $1.key }) {
            let tables = try Tables(type, known: knownTypes)
            var start = 0
            while start < items.count {
                let chunk = Array(items[start..<min(start + Self.createChunkSize, items.count)])
                try await replaceChunk(chunk, tables: tables, type: type)
                start += Self.createChunkSize
            }
        }
        if let request = auditedRequest {
            let audits = try bodies.map { body in
                try auditBody(for: request, interaction: .update, type: body.stored.type, id: body.stored.id,
                              version: body.stored.version, patients: body.patients, now: now)
            }
            try await appendAudits(audits.map(PreparedAudit.init(body:)))
            for _ in audits { request.noteRecordedWrite() }
        }
        return results
    }

    /// One statement: the replaced versions to history, the new ones over the current rows,
    /// their index rows (the old ones removed) and their change-log rows.
    private func replaceChunk(_ items: [(replacement: Replacement, body: Body)], tables: Tables, type: String) async throws {
        var binds = PostgresBindings()
        binds.append(items.map(\.replacement.current.key))
        binds.append(items.map { Int32(clamping: $0.replacement.current.version) })
        binds.append(items.map(\.body.json))
        binds.append(items.map { $0.body.exactText ?? "" })
        binds.append(items.map(\.body.stored.lastUpdated.date))
        binds.append(type)
        let indexWrite = SearchIndexRows.writeCall(items.map { ($0.replacement.current.key, $0.body.index) }, replacing: true, binds: &binds)
        let sql = """
            WITH next AS (
                SELECT * FROM unnest($1::int8[], $2::int4[], $3::text[], $4::text[], $5::timestamptz[])
                    AS v(key, replacing, body, exact_text, last_updated)
            ),
            archived AS (
                INSERT INTO \(tables.history) (key, id, version, last_updated, deleted, body, exact_text)
                SELECT c.key, c.id, c.version, c.last_updated, c.deleted, c.body, c.exact_text
                  FROM \(tables.current) c JOIN next ON c.key = next.key AND c.version = next.replacing
            ),
            replaced AS (
                UPDATE \(tables.current) c
                   SET version = next.replacing + 1, last_updated = next.last_updated, deleted = false,
                       body = next.body::jsonb, exact_text = nullif(next.exact_text, '')
                  FROM next
                 WHERE c.key = next.key AND c.version = next.replacing
                RETURNING c.key, c.id, c.version, c.last_updated
            )
            INSERT INTO change_log (resource_type, id, version, operation, recorded_at)
            SELECT $6, id, version, 'U', last_updated FROM replaced WHERE \(Self.evaluated([indexWrite])) ORDER BY key
            RETURNING seq
            """
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        var replaced = 0
        for try await _ in rows.decode(Int64.self) { replaced += 1 }
        guard replaced == items.count else {
            // A row moved on since it was read (possible only when it was not locked).
            throw StoreError.concurrentUpdate(type: type, id: items.first?.replacement.id ?? "")
        }
    }
}
