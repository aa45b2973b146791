import Encryption
import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

extension ResourceStore {
    /// What one pass of `reencrypt` rewrote.
    public struct ReencryptionCount: Sendable {
        public var currentVersions = 0
        public var historyVersions = 0
    }

    /// Seals every stored version of `type` (current and history) under the active data key,
    /// `batchSize` rows at a time, online: a version already under the active key, or with
    /// nothing to seal, is left alone. A row sealed under an older key gets a new body only
    /// (its blind terms do not depend on data keys), guarded by its version, so a concurrent
    /// write simply wins. A row written before encryption was on also gets its search index
    /// rewritten with blind terms, as `reindex` does (with the same caveat about concurrent
    /// writes of that resource). A concurrent writer still holding the previous ring may seal a
    /// version under the old key; `vesta keys status` shows it and another pass takes it.
    public func reencrypt(type: String, batchSize: Int = 500) async throws -> ReencryptionCount {
        // Audit records are append-only: they keep the key they were sealed with (keys are never dropped).
        guard let encryption, type != "AuditEvent" else { return ReencryptionCount() }
        let tables = try Tables(type, known: knownTypes)
        let active = encryption.keys.ring.activeKey()?.id
        var count = ReencryptionCount()
        var after: Int64 = 0
        while true {
            var batch: [(key: Int64, id: String, version: Int32, lastUpdated: Date, json: String)] = []
            let rows = try await database.query(
                """
                SELECT key, id, version, last_updated, coalesce(exact_text, body::text) FROM \(unescaped: tables.current)
                 WHERE key > \(after) AND NOT deleted ORDER BY key LIMIT \(Int64(batchSize))
                """, logger: logger)
            for try await row in rows.decode((Int64, String, Int32, Date, String).self) { batch.append(row) }
            guard let last = batch.last else { break }
            for row in batch {
                guard let (body, wasSealed) = try resealed(row.json, type: type, id: row.id, version: row.version,
                                                           lastUpdated: row.lastUpdated, active: active) else { continue }
                var binds = PostgresBindings()
                binds.append(row.key)
                binds.append(row.version)
                binds.append(body.json)
                binds.append(body.exactText)
                // A row sealed for the first time gets blind terms for its sealed values.
                let indexWrite = wasSealed ? nil : body.index.writeCall(keyFrom: "target", replacing: true, binds: &binds)
                let sql = """
                    WITH target AS (
                        UPDATE \(tables.current) SET body = $3::jsonb, exact_text = $4
                         WHERE key = $1 AND version = $2 RETURNING key
                    )
                    SELECT count(*) FROM target\(indexWrite.map { " WHERE \(Self.evaluated([$0]))" } ?? "")
                    """
                let updated = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                for try await changed in updated.decode(Int64.self) { count.currentVersions += Int(changed) }
            }
            after = last.key
        }
        count.historyVersions = try await reencryptHistory(tables, type: type, active: active, batchSize: batchSize)
        return count
    }

    /// History versions are never written again, so each is re-sealed without a guard.
    private func reencryptHistory(_ tables: Tables, type: String, active: UInt32?, batchSize: Int) async throws -> Int {
        var count = 0
        var after = (id: "", version: Int32(0))
        while true {
            var batch: [(id: String, version: Int32, lastUpdated: Date, json: String)] = []
            let rows = try await database.query(
                """
                SELECT id, version, last_updated, coalesce(exact_text, body::text) FROM \(unescaped: tables.history)
                 WHERE (id, version) > (\(after.id), \(after.version)) AND body IS NOT NULL
                 ORDER BY id, version LIMIT \(Int64(batchSize))
                """, logger: logger)
            for try await row in rows.decode((String, Int32, Date, String).self) { batch.append(row) }
            guard let last = batch.last else { return count }
            for row in batch {
                guard let (body, _) = try resealed(row.json, type: type, id: row.id, version: row.version,
                                                   lastUpdated: row.lastUpdated, active: active) else { continue }
                _ = try await database.query(
                    """
                    UPDATE \(unescaped: tables.history) SET body = \(body.json)::jsonb, exact_text = \(body.exactText)
                     WHERE id = \(row.id) AND version = \(row.version)
                    """, logger: logger)
                count += 1
            }
            after = (last.id, last.version)
        }
    }
}

extension ResourceStore {
    /// A stored version sealed again under the `active` data key, and whether it was sealed
    /// before (else its index holds plaintext values to replace); nil when there is nothing to
    /// do: it is already under the active key, or nothing in it is secret.
    private func resealed(
        _ json: String, type: String, id: String, version: Int32, lastUpdated: Date, active: UInt32?
    ) throws -> (body: Body, wasSealed: Bool)? {
        let sealedKey = ResourceEnvelope.keyID(ofStored: json)
        if let sealedKey, sealedKey == active { return nil }
        let resource = try currentObject(json: json, type: type, id: id, version: Int(version))
        let body = try storedBody(resource, type: type, id: id, version: Int(version), lastUpdated: FHIRInstant(date: lastUpdated))
        if sealedKey == nil, ResourceEnvelope.keyID(ofStored: body.json) == nil { return nil }
        return (body, sealedKey != nil)
    }
}

extension ResourceStore {
    /// How many stored versions (current and history) each data key seals: of every type but
    /// AuditEvent, which `keys rotate` re-seals, or (`auditLog`) of the audit log, whose
    /// records keep the key they were sealed with. The nil entry counts versions with nothing
    /// sealed (nothing secret in them, or written before encryption was on). For `vesta keys status`.
    public func keyUsage(auditLog: Bool = false) async throws -> [UInt32?: Int] {
        let types = auditLog ? ["AuditEvent"] : knownTypes.sorted().filter { $0 != "AuditEvent" }
        let selects = types.flatMap { type -> [String] in
            let name = type.lowercased()
            return ["r_\(name)", "h_\(name)"].map { table in
                "SELECT split_part(body->>'_sealed', '$', 3) AS key_id FROM \(table) WHERE body IS NOT NULL"
            }
        }
        let sql = "SELECT key_id, count(*) FROM (\(selects.joined(separator: " UNION ALL "))) AS versions GROUP BY key_id"
        var usage: [UInt32?: Int] = [:]
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await (keyID, count) in rows.decode((String?, Int64).self) {
            usage[keyID.flatMap { UInt32($0) }, default: 0] += Int(count)
        }
        return usage
    }
}
