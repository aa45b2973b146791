import ArgumentParser
import FHIRStore
import Logging

/// `vesta reindex`: rebuild the search index from the stored resources.
struct Reindex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the search index from stored resources (after an upgrade or a change of search definitions).")

    @Option(name: .customLong("type"), help: "Only this resource type (repeatable); every type when absent.")
    var types: [String] = []

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var encryptionOptions: EncryptionOptions

    func run() async throws {
        let logger = try database.makeLogger()
        let loaded = try LoadedDefinitions.load(database)
        if let unknown = types.first(where: { !loaded.definitions.isResourceType($0) }) {
            throw ValidationError("'\(unknown)' is not a resource type")
        }
        let selected = types.isEmpty ? loaded.definitions.resourceTypes : types
        // The index tables must exist: the schema is brought up to date first.
        let total = try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
            let encryption = try await EncryptionSetup.prepare(encryptionOptions, client: client, loaded: loaded, logger: logger)
            let store = ResourceStore(client: client, resourceTypes: loaded.definitions.resourceTypes, indexer: loaded.indexer,
                                      encryption: encryption?.atRest, logger: logger)
            var total = 0
            for type in selected {
                let count = try await store.reindex(type: type)
                if count > 0 { print("\(type): \(count)") }
                total += count
            }
            return total
        }
        print("reindexed \(total) resources")
    }
}
