import Foundation
import Logging
import PostgresNIO

extension ResourceStore {
    /// How often a transaction that lost a race (serialization failure, deadlock, or a unique
    /// violation from a concurrent insert of the same id) is run again from the start.
    public static let transactionAttempts = 5

    /// Runs `body` in one PostgreSQL transaction (READ COMMITTED) with a store whose reads,
    /// searches and writes all happen on that transaction's connection; commits when `body`
    /// returns, rolls back when it throws. A transaction that fails with 40001, 40P01 or 23505
    /// is retried from the start up to `transactionAttempts` times, so `body` must be
    /// repeatable; then `StoreError.transactionConflict`. Any other error is rethrown as is.
    ///
    /// READ COMMITTED is deliberate: each statement sees what committed before it began, so a
    /// search issued after `lockConditions` sees the resource a racing transaction created.
    public func transaction<Result: Sendable>(
        _ body: @Sendable (ResourceStore) async throws -> Result
    ) async throws -> Result {
        for attempt in 1...Self.transactionAttempts {
            do {
                return try await client.withConnection { connection in
                    var bound = self
                    bound.database = .transaction(connection)
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(bound)
                        // PostgreSQL answers COMMIT of a transaction an error aborted with
                        // ROLLBACK, not an error: only the tag tells the two apart.
                        let commit = try await connection.query("COMMIT", []).get()
                        guard commit.metadata.command == "COMMIT" else { throw StoreError.transactionRolledBack }
                        changeSignal.ring()
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) {
                logger.debug("transaction conflict, attempt \(attempt): \(error.sqlState ?? "?")")
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...20) * attempt))
            }
        }
        throw StoreError.transactionConflict(attempts: Self.transactionAttempts)
    }

    /// Serializes, until the transaction ends, every transaction that takes one of the same
    /// `keys` (e.g. `Patient?identifier=s|v`), so two conditional creates cannot both find
    /// nothing. All keys in one statement, in the order of their lock numbers, so two
    /// transactions taking overlapping sets cannot deadlock. Only inside `transaction`; outside
    /// one a lock would be released at once, so none is taken.
    public func lockConditions(_ keys: [String]) async throws {
        guard database.isTransaction, !keys.isEmpty else { return }
        let locks: PostgresQuery = """
            SELECT pg_advisory_xact_lock(lock)
              FROM (SELECT DISTINCT hashtext(key) AS lock FROM unnest(\(keys)::text[]) AS key ORDER BY 1) locks
            """
        _ = try await database.query(locks, logger: logger).collect()
    }

    private static func isRetryable(_ error: PSQLError) -> Bool {
        ["40001", "40P01", "23505"].contains(error.sqlState ?? "")
    }
}

