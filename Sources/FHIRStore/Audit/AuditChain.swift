import Encryption
import Foundation
import Logging
import PostgresNIO

/// Why the audit chain cannot be extended.
public enum AuditChainError: Error, Sendable, CustomStringConvertible {
    /// The database hands out transaction IDs below the chain's watermark, so new audit records
    /// would look older than the chain and never be chained: the database was restored into
    /// another cluster (`pg_dump` / `pg_restore`), whose transaction counter started again.
    case transactionCounterBehindChain(watermark: String, throughTx: String)

    public var description: String {
        switch self {
        case .transactionCounterBehindChain(let watermark, let throughTx):
            "the database's transactions (now at \(watermark)) are behind the audit chain's watermark \(throughTx): the database was restored into another cluster, and new audit records would never be chained"
        }
    }
}

/// The tamper-evident hash chain over the audit log: every AuditEvent in `r_auditevent` gets one
/// `audit_chain` row, in the order (transaction, key), whose hash covers the previous row's hash,
/// the record's key and its body exactly as stored (sealed or not):
///
///     hash = SHA-256(previous hash ‖ key as 8 bytes big-endian ‖ UTF-8 of the record text)
///
/// where the record text is `id/version/deleted` and a space, then the body as stored
/// (`recordText`), so hiding a record by marking it deleted or renaming it shows too.
///
/// The first row's previous hash is 32 zero bytes. Deleting or editing a record, slipping one in
/// among chained ones, or editing the chain shows in `verify()`; rewriting the chain's tail from
/// some point on shows only against a head recorded elsewhere (the server logs it, see
/// `AuditChainService`).
public struct AuditChain: Sendable {
    /// The last row of the chain: what to record elsewhere to anchor it.
    public struct Head: Sendable, Equatable {
        /// Position of the last row (the first row is 1).
        public let position: Int64
        /// Its hash, lowercase hexadecimal.
        public let hash: String
        /// Records of transactions below this transaction ID are all in the chain.
        public let throughTx: String
        /// When the row was appended.
        public let chainedAt: Date
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// How many records `extend` appends in one transaction unless told otherwise.
    public static let defaultLimit = 5000
    /// The previous hash of the first row.
    static let genesis = [UInt8](repeating: 0, count: SHA256.byteCount)
    private static let verifyBatchSize: Int64 = 1000

    /// Whether the schema has the chain yet (the server applies migrations while it starts).
    public func isAvailable() async -> Bool {
        do {
            let rows = try await client.query("SELECT to_regclass('audit_chain') IS NOT NULL", logger: logger)
            for try await exists in rows.decode(Bool.self) { return exists }
        } catch {
            return false
        }
        return false
    }

    /// Appends the records of finished transactions that are not chained yet, at most `limit` of
    /// them, and returns how many it appended: fewer than `limit` means every record of a
    /// finished transaction is chained. Concurrent callers (replicas) take turns on an advisory
    /// lock, so each appends after the other's rows.
    ///
    /// Records are taken below the watermark `pg_snapshot_xmin(pg_current_snapshot())`: every
    /// transaction below it has ended, so no record with a smaller `tx` can still appear, and a
    /// transaction that commits late is chained by a later call, never skipped. Each appended
    /// row's `through_tx` is the watermark when the window below it was taken completely, or
    /// the `tx` of its last record when the window filled `limit` (records of that transaction
    /// may remain; the next call takes them, leaving out the keys already chained).
    @discardableResult
    public func extend(limit: Int = defaultLimit) async throws -> Int {
        let limit = max(limit, 1)
        // Read committed: each statement after the lock sees the rows the previous holder appended.
        return try await client.inTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('vesta audit_chain'))", logger: logger).collect()
            var previous = Self.genesis
            var position: Int64 = 0
            var throughTx = "0"
            let last = try await connection.query(
                "SELECT position, hash, through_tx::text FROM audit_chain ORDER BY position DESC LIMIT 1", logger: logger)
            for try await (lastPosition, hash, lastThroughTx) in last.decode((Int64, ByteBuffer, String).self) {
                (position, previous, throughTx) = (lastPosition, Array(buffer: hash), lastThroughTx)
            }
            let watermark = try await Self.watermark(on: connection, throughTx: throughTx, logger: logger)
            let rows = try await connection.query(
                """
                SELECT r.key, r.tx::text, \(unescaped: Self.recordText("r"))
                  FROM r_auditevent r
                 WHERE r.tx >= \(throughTx)::xid8 AND r.tx < \(watermark)::xid8
                   AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key = r.key)
                 ORDER BY r.tx, r.key
                 LIMIT \(Int64(limit))
                """, logger: logger)
            var records: [(key: Int64, tx: String, stored: ByteBuffer?)] = []
            for try await record in rows.decode((Int64, String, ByteBuffer?).self) { records.append(record) }
            guard let lastRecord = records.last else { return 0 }
            // A full window may have been cut: claim only the transactions before its last record's.
            let newThroughTx = records.count < limit ? watermark : lastRecord.tx

            var positions: [Int64] = [], keys: [Int64] = [], previousHashes: [ByteBuffer] = [], hashes: [ByteBuffer] = []
            for record in records {
                let hash = try Self.linkHash(previous: previous, key: record.key, stored: record.stored)
                position += 1
                positions.append(position)
                keys.append(record.key)
                previousHashes.append(ByteBuffer(bytes: previous))
                hashes.append(ByteBuffer(bytes: hash))
                previous = hash
            }
            try await connection.query(
                """
                INSERT INTO audit_chain (position, key, through_tx, previous, hash)
                SELECT link.position, link.key, \(newThroughTx)::xid8, link.previous, link.hash
                  FROM unnest(\(positions)::bigint[], \(keys)::bigint[], \(previousHashes)::bytea[], \(hashes)::bytea[])
                       AS link(position, key, previous, hash)
                """, logger: logger)
            return records.count
        }
    }

    /// The last row of the chain; nil while the chain is empty.
    public func head() async throws -> Head? {
        try await Self.head(on: .pool(client), logger: logger)
    }

    /// Walks the whole chain in position order, a batch at a time, recomputing every hash from
    /// the records as stored, and looks for records the chain passed over. Reports the first
    /// problem found. Reads one consistent snapshot, so it can run while the server chains.
    public func verify() async throws -> AuditVerification {
        try await client.inTransaction(logger: logger) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let head = try await Self.head(on: .transaction(connection), logger: logger)
            let throughTx = head?.throughTx ?? "0"
            let pendingRows = try await connection.query(
                """
                SELECT count(*) FROM r_auditevent r
                 WHERE r.tx >= \(throughTx)::xid8 AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key = r.key)
                """, logger: logger)
            var pending = 0
            for try await count in pendingRows.decode(Int64.self) { pending = Int(count) }
            let walk = try await walkChain(on: connection)
            var problem = walk.problem
            if problem == nil {
                let outside = try await connection.query(
                    """
                    SELECT r.key, r.tx::text FROM r_auditevent r
                     WHERE r.tx < \(throughTx)::xid8 AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.key = r.key)
                     ORDER BY r.tx, r.key LIMIT 1
                    """, logger: logger)
                for try await (key, tx) in outside.decode((Int64, String).self) {
                    problem = .recordOutsideChain(key: key, tx: tx)
                }
            }
            return AuditVerification(head: head, recordsVerified: walk.verified, recordsPending: pending, firstProblem: problem)
        }
    }

    /// Recomputes the chain row by row until the end or the first problem.
    private func walkChain(on connection: PostgresConnection) async throws -> (verified: Int, problem: AuditVerification.Problem?) {
        var prior = Self.genesis
        var expected: Int64 = 1
        var after = Int64.min
        var verified = 0
        while true {
            let rows = try await connection.query(
                """
                SELECT c.position, c.key, c.previous, c.hash, r.key IS NOT NULL,
                       \(unescaped: Self.recordText("r"))
                  FROM audit_chain c LEFT JOIN r_auditevent r ON r.key = c.key
                 WHERE c.position > \(after)
                 ORDER BY c.position
                 LIMIT \(Self.verifyBatchSize)
                """, logger: logger)
            var batch: [(position: Int64, key: Int64, previous: ByteBuffer, hash: ByteBuffer, exists: Bool, stored: ByteBuffer?)] = []
            for try await row in rows.decode((Int64, Int64, ByteBuffer, ByteBuffer, Bool, ByteBuffer?).self) { batch.append(row) }
            guard let last = batch.last else { return (verified, nil) }
            for row in batch {
                let previous = Array(buffer: row.previous)
                if row.position != expected { return (verified, .positionGap(expected: expected, found: row.position)) }
                if previous != prior { return (verified, .brokenLink(position: row.position, key: row.key)) }
                if !row.exists { return (verified, .recordMissing(position: row.position, key: row.key)) }
                let hash = Array(buffer: row.hash)
                if try Self.linkHash(previous: previous, key: row.key, stored: row.stored) != hash {
                    return (verified, .recordAltered(position: row.position, key: row.key))
                }
                prior = hash
                expected += 1
                verified += 1
            }
            after = last.position
        }
    }

    /// The bytes of a record of `r_auditevent` aliased `alias` that its chain hash covers.
    static func recordText(_ alias: String) -> String {
        "convert_to(\(alias).id || '/' || \(alias).version || '/' || \(alias).deleted || ' ' || coalesce(\(alias).exact_text, \(alias).body::text, ''), 'UTF8')"
    }

    /// SHA-256(previous ‖ key big-endian ‖ record text); a record without body hashes as empty text.
    static func linkHash(previous: [UInt8], key: Int64, stored: ByteBuffer?) throws(CryptoError) -> [UInt8] {
        var message = previous
        withUnsafeBytes(of: key.bigEndian) { message.append(contentsOf: $0) }
        if let stored { message.append(contentsOf: stored.readableBytesView) }
        return try SHA256.digest(message)
    }

    /// The transaction watermark: transactions below it have all ended. Refuses to go on when it
    /// is below the chain's own (see `AuditChainError.transactionCounterBehindChain`).
    private static func watermark(on connection: PostgresConnection, throughTx: String, logger: Logger) async throws -> String {
        let rows = try await connection.query(
            """
            SELECT watermark::text, watermark < \(throughTx)::xid8
              FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS watermark) AS snapshot
            """, logger: logger)
        for try await (watermark, behind) in rows.decode((String, Bool).self) {
            if behind { throw AuditChainError.transactionCounterBehindChain(watermark: watermark, throughTx: throughTx) }
            return watermark
        }
        return throughTx
    }

    private static func head(on database: SQLExecutor, logger: Logger) async throws -> Head? {
        let rows = try await database.query(
            "SELECT position, encode(hash, 'hex'), through_tx::text, chained_at FROM audit_chain ORDER BY position DESC LIMIT 1",
            logger: logger)
        for try await (position, hash, throughTx, chainedAt) in rows.decode((Int64, String, String, Date).self) {
            return Head(position: position, hash: hash, throughTx: throughTx, chainedAt: chainedAt)
        }
        return nil
    }
}
