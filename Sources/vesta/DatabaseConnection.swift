import EmbeddedPostgres
import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// The database a command uses: the server at `--database-url`, or the embedded cluster in
/// the data directory, started here and stopped by `close()`.
struct DatabaseConnection {
    let configuration: PostgresClient.Configuration
    private let embedded: EmbeddedPostgres?

    static func open(_ options: DatabaseOptions, logger: Logger) async throws -> DatabaseConnection {
        if let url = options.databaseURL {
            var configuration = try DatabaseURL.configuration(from: url)
            configuration.options.maximumConnections = options.poolSize
            return DatabaseConnection(configuration: configuration, embedded: nil)
        }
        let dataDirectory = URL(fileURLWithPath: options.dataDirectory, isDirectory: true).standardizedFileURL
        let postgres = try EmbeddedPostgres(dataDirectory: dataDirectory, logger: logger)
        try await postgres.start()
        var configuration = PostgresClient.Configuration(
            unixSocketPath: postgres.socketPath, username: postgres.userName, password: nil, database: postgres.databaseName)
        configuration.options.maximumConnections = options.poolSize
        return DatabaseConnection(configuration: configuration, embedded: postgres)
    }

    /// Stops the embedded cluster, if this connection started one.
    func close() async throws {
        try await embedded?.stop()
    }
}

extension DatabaseConnection {
    /// Opens the database, runs `work` with a client once the server answers, and closes it
    /// again, for one-shot commands (`migrate`, `reindex`, `keys`, `audit`).
    static func withClient<Result: Sendable>(
        _ options: DatabaseOptions, logger: Logger, _ work: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let connection = try await open(options, logger: logger)
        let result = await Swift.Result(catching: { try await connection.withClient(logger: logger, work) })
        try await connection.close()
        return try result.get()
    }

    /// `withClient`, with the schema brought up to date first (as `serve` does), for commands
    /// that need its tables.
    static func withMigratedClient<Result: Sendable>(
        _ options: DatabaseOptions, logger: Logger, _ work: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let migrator = try Migrator(directory: try ProjectFiles.directory(named: "migrations", explicit: options.migrationsDirectory))
        return try await withClient(options, logger: logger) { client in
            try await migrator.migrate(client, logger: logger)
            return try await work(client)
        }
    }

    /// Runs `work` with a client of its own once the server answers; the database stays open.
    func withClient<Result: Sendable>(
        logger: Logger, _ work: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await DatabaseProbe.check(client, logger: logger)
            return try await work(client)
        }
    }
}

extension Swift.Result where Failure == any Error {
    /// Captures the outcome of an async throwing operation.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
