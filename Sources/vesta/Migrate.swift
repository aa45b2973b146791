import ArgumentParser
import FHIRStore
import Logging
import PostgresNIO

/// `vesta migrate`: apply pending migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.makeLogger()
        let migrator = try Migrator(directory: try ProjectFiles.directory(named: "migrations", explicit: database.migrationsDirectory))
        let connection = try await DatabaseConnection.open(database, logger: logger)
        let client = PostgresClient(configuration: connection.configuration, backgroundLogger: logger)
        let result: Result<[String], any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await DatabaseProbe.check(client, logger: logger)
                return .success(try await migrator.migrate(client, logger: logger))
            } catch {
                return .failure(error)
            }
        }
        try await connection.close()
        let applied = try result.get()
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
