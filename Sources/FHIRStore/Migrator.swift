import Foundation
import Logging
import PostgresNIO

/// Why the schema could not be brought up to date.
public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
}

/// Applies the ordered SQL files of `migrations/` once each, every file in its own transaction,
/// recording them in `schema_migrations`. An advisory lock makes concurrent starts safe: the
/// second waits, then finds nothing left to do.
public struct Migrator: Sendable {
    /// A migration file: its name (the version, e.g. `0001_change_log`) and its SQL.
    public struct Migration: Sendable {
        public let name: String
        public let sql: String
    }

    public let migrations: [Migration]
    private static let advisoryLockKey: Int64 = 0x7665_7374_615F_6D67  // "vesta_mg"

    /// Reads every `*.sql` file of `directory`, ordered by file name.
    public init(directory: URL) throws(MigrationError) {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw MigrationError(description: "cannot read migrations from \(directory.path): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else {
                throw MigrationError(description: "cannot read migration \(file)")
            }
            migrations.append(Migration(name: String(file.dropLast(4)), sql: String(decoding: data, as: UTF8.self)))
        }
        self.migrations = migrations
    }

    /// Applies what is pending; returns the names applied by this call.
    @discardableResult
    public func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger).collect()
            do {
                let applied = try await apply(on: connection, logger: logger)
                _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger).collect()
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Names of migrations not yet applied (empty when the schema is current).
    public func pending(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        let exists = try await client.query(
            "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger
        ).decode(Bool.self).first(where: { _ in true }) ?? false
        guard exists else { return migrations.map(\.name) }
        let applied = try await appliedNames(client.query("SELECT name FROM schema_migrations", logger: logger))
        return migrations.map(\.name).filter { !applied.contains($0) }
    }

    private func apply(on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        let applied = try await appliedNames(connection.query("SELECT name FROM schema_migrations", logger: logger))
        var newlyApplied: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    for statement in SQLScript.statements(migration.sql) {
                        try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await transaction.query(
                        "INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                }
            } catch let error as PostgresTransactionError {
                let cause = error.closureError.map { String(reflecting: $0) } ?? "\(error)"
                throw MigrationError(description: "migration \(migration.name) failed: \(cause)")
            }
            newlyApplied.append(migration.name)
        }
        return newlyApplied
    }

    private func appliedNames(_ rows: PostgresRowSequence) async throws -> Set<String> {
        var names = Set<String>()
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }
}
