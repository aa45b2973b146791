import Logging
import PostgresNIO

/// Where the store's statements run: on any pooled connection (each statement commits on its
/// own), or on one leased connection inside an open transaction (`ResourceStore.transaction`).
/// The read, write and search code is the same for both; only how races are handled differs.
enum SQLExecutor: Sendable {
    case pool(PostgresClient)
    case transaction(PostgresConnection)

    /// Inside a transaction the store locks the rows it reads before writing them, and a
    /// unique violation aborts the transaction instead of being retried statement by statement.
    var isTransaction: Bool {
        if case .transaction = self { return true }
        return false
    }

    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        switch self {
        case .pool(let client): return try await client.query(query, logger: logger)
        case .transaction(let connection): return try await connection.query(query, logger: logger)
        }
    }
}

extension PostgresClient {
    /// Runs `work` in a transaction (postgres-nio's `withTransaction`), rethrowing the error
    /// `work` or the commit threw as it was, rather than wrapped, so callers can tell errors apart
    /// and show their messages.
    public func inTransaction<Result: Sendable>(
        logger: Logger, _ work: (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger, work)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.beginError ?? error
        }
    }
}

extension PSQLError {
    /// The SQLSTATE the server reported, when the error came from the server.
    var sqlState: String? { serverInfo?[.sqlState] }
}
