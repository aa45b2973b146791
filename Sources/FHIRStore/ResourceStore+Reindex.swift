import FHIRCore
import FHIRSearch
import Foundation
import PostgresNIO

extension ResourceStore {
    /// Rewrites the search index rows of every current resource of `type` from its stored
    /// body, in key order, `batchSize` rows read at a time; for data written before the index
    /// existed or after the search definitions changed. Each resource is rewritten only if it is
    /// still the version that was read. Run it while `type` is not being written: a write whose
    /// statement starts just before a resource's rewrite commits does not see the rewritten rows
    /// and can leave them beside its own until that resource's next write. Returns how many
    /// resources were reindexed.
    @discardableResult
    public func reindex(type: String, batchSize: Int = 500) async throws -> Int {
        let tables = try Tables(type, known: knownTypes)
        var after: Int64 = 0
        var reindexed = 0
        while true {
            var batch: [(key: Int64, id: String, version: Int32, json: String)] = []
            let rows = try await database.query(
                """
                SELECT key, id, version, coalesce(exact_text, body::text) FROM \(unescaped: tables.current)
                 WHERE key > \(after) AND NOT deleted ORDER BY key LIMIT \(Int64(batchSize))
                """, logger: logger)
            for try await (key, id, version, json) in rows.decode((Int64, String, Int32, String).self) {
                batch.append((key, id, version, json))
            }
            guard let last = batch.last else { return reindexed }
            for row in batch {
                let resource = try currentObject(json: row.json, type: type, id: row.id, version: Int(row.version))
                let entries: [SearchIndexEntry]
                do {
                    entries = try indexer.indexValues(for: .object(resource))
                } catch {
                    throw StoreError.unindexable(type: type, id: row.id, reason: error.description)
                }
                var binds = PostgresBindings()
                binds.append(row.key)
                binds.append(row.version)
                let indexWrite = try SearchIndexRows(entries: entries, resourceType: type, registry: registry, blindIndex: blindIndex)
                    .writeCall(keyFrom: "target", replacing: true, binds: &binds)
                let sql = """
                    WITH target AS (SELECT key FROM \(tables.current) WHERE key = $1 AND version = $2)
                    SELECT count(*) FROM target WHERE \(Self.evaluated([indexWrite]))
                    """
                // Read to the end: an error of the index write arrives in place of the row.
                _ = try await database.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                reindexed += 1
            }
            after = last.key
        }
    }
}
