import Encryption
import FHIRStore
import Foundation
import Logging
import PostgresNIO
import Testing
import VestaServer

/// The audit log's hash chain: records of concurrent and late-committing transactions are all
/// chained once, in (transaction, key) order; tampering that gets past the append-only triggers
/// (a superuser disabling them) is reported at the right place. Every test has a database of
/// its own, since the chain covers the whole table.
@Suite struct AuditChainTests {
    // MARK: Chaining

    @Test func concurrentAndLateTransactionsAreAllChainedOnceInTransactionOrder() async throws {
        let environment = try await TestDatabase.shared.isolated()
        let chain = AuditChain(client: environment.client, logger: environment.logger)

        // Writers in concurrent transactions while a chainer extends in small windows.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for transaction in 0..<3 {
                        try await Self.inTransaction(environment) { connection in
                            for record in 0..<2 {
                                _ = try await Self.insert(on: connection, environment, id: "w\(writer)-t\(transaction)-r\(record)")
                            }
                        }
                    }
                }
            }
            group.addTask {
                for _ in 0..<20 {
                    try await chain.extend(limit: 3)
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await group.waitForAll()
        }
        try await Self.extend(chain, untilPosition: 24)

        // A transaction that stays open across an extension: it and everything after it wait.
        let (began, beganContinuation) = AsyncStream<Int64>.makeStream()
        let (commit, commitContinuation) = AsyncStream<Void>.makeStream()
        defer { commitContinuation.finish() }
        let late = Task {
            try await Self.inTransaction(environment) { connection in
                beganContinuation.yield(try await Self.insert(on: connection, environment, id: "late"))
                for await _ in commit { break }
            }
        }
        var iterator = began.makeAsyncIterator()
        let lateKey = try #require(await iterator.next())
        let after = [try await Self.insert(on: environment.client, environment, id: "after-1"),
                     try await Self.insert(on: environment.client, environment, id: "after-2")]
        #expect(try await chain.extend() == 0, "records of transactions after an open one must wait")
        let waiting = try await chain.verify()
        #expect(waiting.isIntact, "\(waiting)")
        #expect(waiting.recordsVerified == 24)
        #expect(waiting.recordsPending == 2)

        commitContinuation.yield()
        try await late.value
        try await Self.extend(chain, untilPosition: 27)
        #expect(try await Self.chainKeys(environment).suffix(3) == [lateKey] + after, "the late commit goes first: it is the older transaction")

        #expect(try await Self.chainKeys(environment) == Self.keysInTransactionOrder(environment))
        let verification = try await chain.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.recordsVerified == 27)
        #expect(verification.recordsPending == 0)
        #expect(verification.head?.position == 27)
    }

    @Test func windowsCutByTheLimitTakeTheRestOfATransactionNextTime() async throws {
        let environment = try await TestDatabase.shared.isolated()
        let chain = AuditChain(client: environment.client, logger: environment.logger)
        for transaction in 0..<3 {
            try await Self.inTransaction(environment) { connection in
                for record in 0..<3 {
                    _ = try await Self.insert(on: connection, environment, id: "t\(transaction)-r\(record)")
                }
            }
        }
        // A record whose stored text is exact_text (jsonb would rewrite the number's lexeme).
        try await environment.client.query(
            """
            INSERT INTO r_auditevent (id, version, last_updated, body, exact_text)
            VALUES ('exact', 1, now(), '{"resourceType":"AuditEvent","id":"exact","n":100}', '{"resourceType":"AuditEvent","id":"exact","n":1e2}')
            """, logger: environment.logger)
        // Each transaction's three records are cut by the limit of two.
        try await Self.extend(chain, untilPosition: 10, limit: 2)
        #expect(try await chain.extend(limit: 2) == 0)
        #expect(try await Self.chainKeys(environment) == Self.keysInTransactionOrder(environment))

        // The head is SHA-256 over previous ‖ key (big-endian) ‖ id/version/deleted and the stored
        // text, folded in chain order.
        var expected = [UInt8](repeating: 0, count: 32)
        let rows = try await environment.client.query(
            "SELECT key, id || '/' || version || '/' || deleted || ' ' || coalesce(exact_text, body::text) FROM r_auditevent ORDER BY tx, key",
            logger: environment.logger)
        for try await (key, text) in rows.decode((Int64, String).self) {
            expected = try SHA256.digest(expected + withUnsafeBytes(of: key.bigEndian, Array.init) + Array(text.utf8))
        }
        let head = try #require(try await chain.head())
        #expect(head.position == 10)
        #expect(head.hash == expected.map { String(format: "%02x", $0) }.joined())
        let verification = try await chain.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.recordsVerified == 10)
    }

    @Test func theLogAndTheChainAreAppendOnly() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 3)
        let statements = [
            "UPDATE r_auditevent SET body = '{}' WHERE key = \(keys[0])",
            "DELETE FROM r_auditevent WHERE key = \(keys[0])",
            "TRUNCATE r_auditevent CASCADE",
            "UPDATE audit_chain SET hash = previous WHERE position = 1",
            "DELETE FROM audit_chain WHERE position = 3",
            "TRUNCATE audit_chain",
        ]
        for sql in statements {
            let error = await #expect(throws: PSQLError.self, "\(sql)") {
                try await environment.client.query(PostgresQuery(unsafeSQL: sql), logger: environment.logger)
            }
            #expect(error?.serverInfo?[.sqlState] == "42501", "\(sql)")
        }
        let verification = try await chain.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.recordsVerified == 3)
    }

    @Test func theServiceChainsInTheBackgroundUntilCancelled() async throws {
        let environment = try await TestDatabase.shared.isolated()
        let chain = AuditChain(client: environment.client, logger: environment.logger)
        let service = AuditChainService(chain: chain, interval: .milliseconds(10), batchSize: 2, logger: environment.logger)
        let running = Task { try await service.run() }
        for index in 0..<5 { _ = try await Self.insert(on: environment.client, environment, id: "background-\(index)") }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while try await chain.head()?.position ?? 0 < 5, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        running.cancel()
        try await running.value
        #expect(try await chain.head()?.position == 5)
        #expect(try await chain.verify().isIntact)
    }

    // MARK: Tampering past the triggers

    @Test func aDeletedRecordIsReportedMissingAtItsPosition() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 5)
        try await Self.tamper(environment, "DELETE FROM r_auditevent WHERE key = \(keys[2])")
        let verification = try await chain.verify()
        #expect(!verification.isIntact)
        #expect(verification.firstProblem == .recordMissing(position: 3, key: keys[2]), "\(verification)")
        #expect(verification.recordsVerified == 2)
    }

    @Test func anEditedRecordIsReportedAltered() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 5)
        try await Self.tamper(environment, "UPDATE r_auditevent SET body = jsonb_set(body, '{outcome}', '\"0\"') WHERE key = \(keys[3])")
        let verification = try await chain.verify()
        #expect(verification.firstProblem == .recordAltered(position: 4, key: keys[3]), "\(verification)")
        #expect(verification.recordsVerified == 3)
    }

    @Test func aRecordBackdatedBelowTheWatermarkIsReportedOutsideTheChain() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 3)
        let oldTx = try await Self.text(environment, "SELECT tx::text FROM r_auditevent WHERE key = \(keys[0])")
        // A plain INSERT cannot backdate: the trigger stamps the record with its own transaction.
        let honest = try await Self.text(environment, """
            INSERT INTO r_auditevent (id, version, last_updated, body, tx)
            VALUES ('honest', 1, now(), '{"resourceType":"AuditEvent","id":"honest"}', '\(oldTx)'::xid8) RETURNING tx::text
            """)
        #expect(honest != oldTx)
        try await Self.extend(chain, untilPosition: 4)
        // With the triggers off it can; only the chain shows the record was not written in order.
        try await Self.tamper(environment, """
            INSERT INTO r_auditevent (id, version, last_updated, body, tx)
            VALUES ('forged', 1, now(), '{"resourceType":"AuditEvent","id":"forged"}', '\(oldTx)'::xid8)
            """)
        let forged = try await Self.text(environment, "SELECT key::text FROM r_auditevent WHERE id = 'forged'")
        #expect(try await chain.extend() == 0, "the chainer never takes a record below its watermark")
        let verification = try await chain.verify()
        #expect(verification.firstProblem == .recordOutsideChain(key: try #require(Int64(forged)), tx: oldTx), "\(verification)")
        #expect(verification.recordsVerified == 4)
    }

    @Test func aRecordHiddenAsDeletedIsReportedAltered() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 3)
        try await Self.tamper(environment, "UPDATE r_auditevent SET deleted = true WHERE key = \(keys[1])")
        let verification = try await chain.verify()
        #expect(verification.firstProblem == .recordAltered(position: 2, key: keys[1]), "\(verification)")
    }

    @Test func aRemovedChainRowIsReportedAsAGap() async throws {
        let (environment, chain, _) = try await Self.chainedDatabase(records: 4)
        try await Self.tamper(environment, "DELETE FROM audit_chain WHERE position = 2")
        let verification = try await chain.verify()
        #expect(verification.firstProblem == .positionGap(expected: 2, found: 3), "\(verification)")
        #expect(verification.recordsVerified == 1)
    }

    @Test func anEditedChainLinkIsReported() async throws {
        let (environment, chain, keys) = try await Self.chainedDatabase(records: 4)
        try await Self.tamper(environment, "UPDATE audit_chain SET previous = sha256(previous) WHERE position = 3")
        let verification = try await chain.verify()
        #expect(verification.firstProblem == .brokenLink(position: 3, key: keys[2]), "\(verification)")
        #expect(verification.recordsVerified == 2)
    }

    // MARK: Helpers

    /// A database of its own with `records` audit records, each written in a transaction of its
    /// own and chained; the keys in chain order.
    static func chainedDatabase(records: Int) async throws -> (TestDatabase.Environment, AuditChain, [Int64]) {
        let environment = try await TestDatabase.shared.isolated()
        let chain = AuditChain(client: environment.client, logger: environment.logger)
        var keys: [Int64] = []
        for index in 0..<records { keys.append(try await insert(on: environment.client, environment, id: "record-\(index)")) }
        try await extend(chain, untilPosition: Int64(records))
        #expect(try await chainKeys(environment) == keys)
        let verification = try await chain.verify()
        #expect(verification.isIntact, "\(verification)")
        return (environment, chain, keys)
    }

    static func insert(on client: PostgresClient, _ environment: TestDatabase.Environment, id: String) async throws -> Int64 {
        try await key(of: client.query(insertion(id: id), logger: environment.logger))
    }

    static func insert(on connection: PostgresConnection, _ environment: TestDatabase.Environment, id: String) async throws -> Int64 {
        try await key(of: connection.query(insertion(id: id), logger: environment.logger))
    }

    private static func insertion(id: String) -> PostgresQuery {
        let body = #"{"resourceType":"AuditEvent","id":"\#(id)","type":{"code":"rest"},"recorded":"2026-01-01T00:00:00Z","outcome":"4","agent":[{"requestor":true}],"source":{"observer":{"display":"tests"}}}"#
        return "INSERT INTO r_auditevent (id, version, last_updated, body) VALUES (\(id), 1, now(), \(body)::jsonb) RETURNING key"
    }

    private static func key(of rows: PostgresRowSequence) async throws -> Int64 {
        for try await key in rows.decode(Int64.self) { return key }
        throw AuditTestError.noRow
    }

    /// Runs `work` in a transaction on one connection.
    static func inTransaction(_ environment: TestDatabase.Environment, _ work: (PostgresConnection) async throws -> Void) async throws {
        try await environment.client.withConnection { connection in
            try await connection.query("BEGIN", logger: environment.logger)
            do {
                try await work(connection)
                try await connection.query("COMMIT", logger: environment.logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: environment.logger)
                throw error
            }
        }
    }

    /// Runs `sql` with the triggers off, as a superuser could.
    static func tamper(_ environment: TestDatabase.Environment, _ sql: String) async throws {
        try await inTransaction(environment) { connection in
            try await connection.query("SET LOCAL session_replication_role = replica", logger: environment.logger)
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: environment.logger)
        }
    }

    /// Extends the chain until its head is at `position`. The watermark is cluster-wide, so
    /// transactions of tests running beside this one on other databases may hold it back a moment.
    static func extend(_ chain: AuditChain, untilPosition position: Int64, limit: Int = AuditChain.defaultLimit) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while try await chain.head()?.position ?? 0 < position {
            guard ContinuousClock.now < deadline else { throw AuditTestError.chainStalled(at: try await chain.head()?.position ?? 0) }
            let appended = try await chain.extend(limit: limit)
            #expect(appended <= limit)
            if appended == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(try await chain.head()?.position == position)
    }

    static func chainKeys(_ environment: TestDatabase.Environment) async throws -> [Int64] {
        try await keys(environment, "SELECT key FROM audit_chain ORDER BY position")
    }

    static func keysInTransactionOrder(_ environment: TestDatabase.Environment) async throws -> [Int64] {
        try await keys(environment, "SELECT key FROM r_auditevent ORDER BY tx, key")
    }

    private static func keys(_ environment: TestDatabase.Environment, _ sql: String) async throws -> [Int64] {
        var keys: [Int64] = []
        for try await key in try await environment.client.query(PostgresQuery(unsafeSQL: sql), logger: environment.logger).decode(Int64.self) {
            keys.append(key)
        }
        return keys
    }

    static func text(_ environment: TestDatabase.Environment, _ sql: String) async throws -> String {
        let rows = try await environment.client.query(PostgresQuery(unsafeSQL: sql), logger: environment.logger)
        for try await value in rows.decode(String.self) { return value }
        throw AuditTestError.noRow
    }
}

enum AuditTestError: Error {
    case noRow
    case chainStalled(at: Int64)
}
