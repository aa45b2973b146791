import ArgumentParser
import FHIRStore
import Logging

/// `vesta migrate`: apply pending migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.makeLogger()
        let migrator = try Migrator(directory: try ProjectFiles.directory(named: "migrations", explicit: database.migrationsDirectory))
        let applied = try await DatabaseConnection.withClient(database, logger: logger) { client in
            try await migrator.migrate(client, logger: logger)
        }
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
