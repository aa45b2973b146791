import ArgumentParser
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Logging
import PostgresNIO

/// `vesta reindex`: rebuild the search index from the stored resources.
struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the search index from stored resources (after an upgrade or a change of search definitions).")

    @Option(name: .customLong("type"), help: "Only this resource type (repeatable); every type when absent.")
    var types: [String] = []

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.makeLogger()
        let conformance = try ProjectFiles.directory(named: "conformance", explicit: database.conformanceDirectory)
        let definitions = try FHIRDefinitions.load(conformanceDirectory: conformance)
        let indexer = try SearchIndexer.load(conformanceDirectory: conformance)
        if let unknown = types.first(where: { !definitions.isResourceType($0) }) {
            throw ValidationError("'\(unknown)' is not a resource type")
        }
        let connection = try await DatabaseConnection.open(database, logger: logger)
        let client = PostgresClient(configuration: connection.configuration, backgroundLogger: logger)
        let store = ResourceStore(client: client, resourceTypes: definitions.resourceTypes, indexer: indexer, logger: logger)
        let selected = types.isEmpty ? definitions.resourceTypes : types
        let result: Result<Int, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await DatabaseProbe.check(client, logger: logger)
                var total = 0
                for type in selected {
                    let count = try await store.reindex(type: type)
                    if count > 0 { print("\(type): \(count)") }
                    total += count
                }
                return .success(total)
            } catch {
                return .failure(error)
            }
        }
        try await connection.close()
        print("reindexed \(try result.get()) resources")
    }
}
