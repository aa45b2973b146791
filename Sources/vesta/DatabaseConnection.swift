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
