import EmbeddedPostgres
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A throwaway PostgreSQL cluster of the test process: created in a temporary directory on
/// first use, reachable only through its Unix socket, stopped and removed at process exit.
actor TestDatabase {
    /// The cluster almost every test uses.
    static let shared = TestDatabase()
    /// A second cluster, for tests whose transactions last many seconds: the change feed, the
    /// subscription matcher and the audit chainer wait for a cluster-wide transaction watermark,
    /// so such a transaction on the shared cluster stalls the tests of those beside it.
    static let longTransactions = TestDatabase()

    struct Environment: Sendable {
        let client: PostgresClient
        let definitions: FHIRDefinitions
        let indexer: SearchIndexer
        let migrator: Migrator
        let logger: Logger
        /// The database of this environment in the cluster.
        let databaseName: String
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
    /// change what is server-wide (the running ingest mappings, encryption keys) while other tests run.
    func isolated() async throws -> Environment {
        let shared = try await start()
        let template = try await migratedTemplate(shared)
        let name = "isolated_\(UInt32.random(in: 0...UInt32.max))"
        try await Self.retryingWhileTemplateInUse {
            try await shared.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"))
        }
        var configuration = shared.postgres.configuration(database: name)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: shared.logger)
        Task.detached { await client.run() }
        return Environment(client: client, definitions: shared.definitions, indexer: shared.indexer, migrator: shared.migrator,
                           logger: shared.logger, databaseName: name, postgres: shared.postgres)
    }

    private var template: Task<String, any Error>?

    /// A migrated database the isolated ones are copied from. Copying is quick, and takes none
    /// of the thousands of locks that migrating each database would (several at once exhaust
    /// the lock table).
    private func migratedTemplate(_ shared: Environment) async throws -> String {
        if let template { return try await template.value }
        let task = Task {
            let name = "isolated_template"
            try await shared.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            let client = PostgresClient(configuration: shared.postgres.configuration(database: name), backgroundLogger: shared.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await shared.migrator.migrate(client, logger: shared.logger)
            }
            return name
        }
        template = task
        return try await task.value
    }

    /// Runs `work` again while PostgreSQL reports the template still in use (55006): the
    /// template's migration client may take a moment to disconnect.
    private static func retryingWhileTemplateInUse(_ work: () async throws -> Void) async throws {
        for attempt in 1... {
            do {
                return try await work()
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55006" && attempt < 50 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private static func makeEnvironment() async throws -> Environment {
        var logger = Logger(label: "vesta-tests")
        logger.logLevel = .warning
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("vesta-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        // Isolated tests each hold a pool on a database of their own for the whole run.
        let postgres = try EmbeddedPostgres(dataDirectory: directory, maxConnections: 400, logger: logger)
        try await postgres.start()
        ExitCleanup.register(postgres, directory: directory)
        let client = PostgresClient(configuration: postgres.clientConfiguration, backgroundLogger: logger)
        Task.detached { await client.run() }
        let migrator = try Migrator(directory: ProjectPaths.root.appendingPathComponent("migrations"))
        try await migrator.migrate(client, logger: logger)
        let conformance = ProjectPaths.root.appendingPathComponent("conformance")
        let definitions = try FHIRDefinitions.load(conformanceDirectory: conformance)
        let indexer = try SearchIndexer.load(conformanceDirectory: conformance)
        return Environment(client: client, definitions: definitions, indexer: indexer, migrator: migrator, logger: logger,
                           databaseName: postgres.databaseName, postgres: postgres)
    }
}

extension EmbeddedPostgres {
    var clientConfiguration: PostgresClient.Configuration { configuration(database: databaseName) }

    func configuration(database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: socketPath, username: userName, password: nil, database: database)
    }
}

/// Stops the test clusters when the test process exits, however the tests ended.
enum ExitCleanup {
    private static let registered = Mutex<[(postgres: EmbeddedPostgres, directory: URL)]>([])

    static func register(_ postgres: EmbeddedPostgres, directory: URL) {
        let first = registered.withLock { clusters in
            clusters.append((postgres, directory))
            return clusters.count == 1
        }
        guard first else { return }
        atexit {
            for (postgres, directory) in ExitCleanup.registered.withLock({ $0 }) {
                postgres.stopBlocking()
                try? FileManager.default.removeItem(at: directory)
            }
        }
    }
}

/// Paths inside the repository, found from this file's location.
enum ProjectPaths {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examples = root.appendingPathComponent("Tests/FHIRDefinitionsTests/Fixtures/examples")
}
