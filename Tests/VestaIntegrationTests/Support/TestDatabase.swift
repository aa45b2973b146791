import EmbeddedPostgres
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// One throwaway PostgreSQL cluster per test process: created in a temporary directory on
/// first use, reachable only through its Unix socket, stopped and removed at process exit.
actor TestDatabase {
    static let shared = TestDatabase()

    struct Environment: Sendable {
        let client: PostgresClient
        let definitions: FHIRDefinitions
        let indexer: SearchIndexer
        let migrator: Migrator
        let logger: Logger
        /// The cluster, for tests that connect a second client.
        let postgres: EmbeddedPostgres
    }

    private var environment: Task<Environment, any Error>?

    func start() async throws -> Environment {
        if let environment { return try await environment.value }
        let task = Task { try await Self.makeEnvironment() }
        environment = task
        return try await task.value
    }

    /// An environment with a database of its own in the test cluster, migrated: for tests that
    /// change what is server-wide (the running ingest mappings) while other tests run.
    func isolated() async throws -> Environment {
        let shared = try await start()
        let name = "isolated_\(UInt32.random(in: 0...UInt32.max))"
        try await shared.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        let postgres = shared.postgres
        let client = PostgresClient(
            configuration: PostgresClient.Configuration(unixSocketPath: postgres.socketPath, username: postgres.userName, password: nil, database: name),
            backgroundLogger: shared.logger)
        Task.detached { await client.run() }
        try await shared.migrator.migrate(client, logger: shared.logger)
        return Environment(client: client, definitions: shared.definitions, indexer: shared.indexer, migrator: shared.migrator,
                           logger: shared.logger, postgres: postgres)
    }

    private static func makeEnvironment() async throws -> Environment {
        var logger = Logger(label: "vesta-tests")
        logger.logLevel = .warning
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("vesta-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        let postgres = try EmbeddedPostgres(dataDirectory: directory, logger: logger)
        try await postgres.start()
        ExitCleanup.register(postgres, directory: directory)
        let client = PostgresClient(configuration: postgres.clientConfiguration, backgroundLogger: logger)
        Task.detached { await client.run() }
        let migrator = try Migrator(directory: ProjectPaths.root.appendingPathComponent("migrations"))
        try await migrator.migrate(client, logger: logger)
        let conformance = ProjectPaths.root.appendingPathComponent("conformance")
        let definitions = try FHIRDefinitions.load(conformanceDirectory: conformance)
        let indexer = try SearchIndexer.load(conformanceDirectory: conformance)
        return Environment(client: client, definitions: definitions, indexer: indexer, migrator: migrator, logger: logger, postgres: postgres)
    }
}

extension EmbeddedPostgres {
    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: socketPath, username: userName, password: nil, database: databaseName)
    }
}

/// Stops the test cluster when the test process exits, however the tests ended.
enum ExitCleanup {
    nonisolated(unsafe) private static var registered: (postgres: EmbeddedPostgres, directory: URL)?

    static func register(_ postgres: EmbeddedPostgres, directory: URL) {
        registered = (postgres, directory)
        atexit {
            guard let (postgres, directory) = ExitCleanup.registered else { return }
            postgres.stopBlocking()
            try? FileManager.default.removeItem(at: directory)
        }
    }
}

/// Paths inside the repository, found from this file's location.
enum ProjectPaths {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examples = root.appendingPathComponent("Tests/FHIRDefinitionsTests/Fixtures/examples")
}
