import FHIRCore
import Foundation
import PostgresNIO

/// A resource to create as version 1 under an id the caller chose (a transaction assigns ids
/// before it writes, so that references between its entries can be rewritten first).
public struct NewResource: Sendable {
    public let type: String
    public let id: String
    public let resource: JSONObject

    public init(type: String, id: String, resource: JSONObject) {
        self.type = type
        self.id = id
        self.resource = resource
    }
}

extension ResourceStore {
    /// Resources per statement in `createAll`: large enough that a big transaction takes few
    /// round trips, small enough that one statement's arrays stay a few megabytes.
    static let createChunkSize = 2000

    /// Creates every resource as version 1, set-based: the bodies and index rows are built in
    /// Swift, then each resource type's rows, index rows and change-log rows go in with one
    /// multi-row `unnest` statement per `createChunkSize` resources. Results are in input order.
    /// A taken id fails the whole statement with a unique violation (inside `transaction`, the
    /// transaction is then retried).
    public func createAll(_ resources: [NewResource]) async throws -> [WriteResult] {
        let now = FHIRInstant.now()
        var results: [WriteResult?] = Array(repeating: nil, count: resources.count)
        var byType: [String: [Body]] = [:]
        var bodies: [Body] = []
        for (position, new) in resources.enumerated() {
            _ = try writableTables(new.type)
            let body = try storedBody(new.resource, type: new.type, id: new.id, version: 1, lastUpdated: now)
            byType[new.type, default: []].append(body)
            bodies.append(body)
            results[position] = WriteResult(resource: body.stored, created: true)
        }
        for (type, bodies) in byType.sorted(by: { $0.key < $1.key }) {
            try await insertFirstVersions(bodies, tables: try Tables(type, known: knownTypes), type: type)
        }
        if let request = auditedRequest {
            // One record per created resource, in the same transaction.
            let audits = try bodies.map { body in
                try auditBody(for: request, interaction: .create, type: body.stored.type, id: body.stored.id, version: 1,
                              patients: body.patients, now: now)
            }
            try await appendAudits(audits.map(PreparedAudit.init(body:)))
            for _ in audits { request.noteRecordedWrite() }
        }
        return results.compactMap { $0 }
    }

    /// `insertFirstVersionChunk` for every `createChunkSize` bodies.
    func insertFirstVersions(_ bodies: [Body], tables: Tables, type: String) async throws {
        var start = 0
        while start < bodies.count {
            let chunk = Array(bodies[start..<min(start + Self.createChunkSize, bodies.count)])
            try await insertFirstVersionChunk(chunk, tables: tables, type: type)
            start += Self.createChunkSize
        }
    }

    /// Two statements: keys for the resources from `resource_key_seq`, then one that writes
    /// the resource rows, their index rows and their change-log rows, every
    /// row carrying its resource's key so nothing is joined back by id. Each row's
    /// `last_updated` is its body's `meta.lastUpdated`.
    private func insertFirstVersionChunk(_ bodies: [Body], tables: Tables, type: String) async throws {
        var keys: [Int64] = []
        let allocated = try await database.query(
            "SELECT nextval('resource_key_seq') FROM generate_series(1, \(Int64(bodies.count)))", logger: logger)
        for try await key in allocated.decode(Int64.self) { keys.append(key) }
        var binds = PostgresBindings()
        binds.append(keys)
        binds.append(bodies.map(\.stored.id))
        binds.append(bodies.map(\.json))
        binds.append(bodies.map { $0.exactText ?? "" })
        binds.append(bodies.map(\.stored.lastUpdated.date))
        let inserted = """
            inserted AS (
                INSERT INTO \(tables.current) (key, id, version, last_updated, body, exact_text)
                SELECT key, id, 1, last_updated, body::jsonb, nullif(exact_text, '')
                  FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS v(key, id, body, exact_text, last_updated)
            )
            """
        let indexWrite = SearchIndexRows.writeCall(Array(zip(keys, bodies.map(\.index))), binds: &binds)
        binds.append(type)
        let sql = """
            WITH \(inserted)
            INSERT INTO change_log (resource_type, id, version, operation, recorded_at)
            SELECT $\(binds.count), id, 1, 'C', last_updated FROM unnest($2::text[], $5::timestamptz[]) WITH ORDINALITY AS v(id, last_updated, ord)
             WHERE \(Self.evaluated([indexWrite])) ORDER BY ord
            """
        _ = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        committedChange()
    }
}
