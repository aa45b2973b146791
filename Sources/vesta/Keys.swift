import ArgumentParser
import DeviceIngest
import FHIRStore
import Foundation
import Logging
import PostgresNIO
import VestaServer

/// `vesta keys`: data keys of encryption at rest.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rotate the data keys of encryption at rest, or show what each key protects.",
        subcommands: [Rotate.self, Status.self])

    /// Runs `work` on the migrated database with its keys opened (nil setup: encryption off).
    static func withDatabase(
        _ database: DatabaseOptions, _ encryptionOptions: EncryptionOptions,
        _ work: @escaping @Sendable (PostgresClient, LoadedDefinitions, EncryptionSetup?, Logger) async throws -> Void
    ) async throws {
        let logger = try database.makeLogger()
        let loaded = try LoadedDefinitions.load(database)
        try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
            let setup = try await EncryptionSetup.prepare(encryptionOptions, client: client, loaded: loaded, logger: logger)
            try await work(client, loaded, setup, logger)
        }
    }

    /// `vesta keys rotate`: a new data key for new writes, then every stored row re-sealed.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a data key for new writes and re-encrypt every stored row under it, online, in batches.")

        @Option(name: .customLong("batch-size"), help: "Rows re-encrypted per read.")
        var batchSize: Int = 500

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var encryptionOptions: EncryptionOptions

        func run() async throws {
            let batchSize = max(batchSize, 1)
            try await Keys.withDatabase(database, encryptionOptions) { client, loaded, setup, logger in
                guard let setup else {
                    throw ValidationError("encryption is off: give the key-encryption key with --master-key-file or VESTA_MASTER_KEY_FILE")
                }
                let id = try await setup.keyStore.addDataKey(client, activeAfter: KeyRingRefresh.announcement, logger: logger)
                print("data key \(id) added; running servers take it up within \(KeyRingRefresh.announcement)")
                try await Task.sleep(for: KeyRingRefresh.announcement + .seconds(1))
                guard let ring = try await setup.keyStore.load(client, logger: logger) else { throw KeyStoreError.incomplete("no keys") }
                setup.atRest.keys.replace(with: ring)
                let store = ResourceStore(client: client, resourceTypes: loaded.definitions.resourceTypes, indexer: loaded.indexer,
                                          encryption: setup.atRest, logger: logger)
                var versions = 0
                for type in loaded.definitions.resourceTypes {
                    let count = try await store.reencrypt(type: type, batchSize: batchSize)
                    versions += count.currentVersions + count.historyVersions
                }
                let ingestRows = try await IngestBuffer(client: client, sealer: store.sealer, logger: logger).reencrypt(batchSize: batchSize)
                print("re-encrypted \(versions) resource versions and \(ingestRows) ingest rows under data key \(id)")
            }
        }
    }

    /// `vesta keys status`: rows per data key.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show how many stored rows each data key still protects.")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var encryptionOptions: EncryptionOptions

        func run() async throws {
            try await Keys.withDatabase(database, encryptionOptions) { client, loaded, setup, logger in
                let store = ResourceStore(client: client, resourceTypes: loaded.definitions.resourceTypes, indexer: loaded.indexer,
                                          encryption: setup?.atRest, logger: logger)
                let resources = try await store.keyUsage()
                let audit = try await store.keyUsage(auditLog: true)
                let ingest = try await IngestBuffer(client: client, sealer: store.sealer, logger: logger).keyUsage()
                let ring = setup?.atRest.keys.ring
                let active = ring?.activeKey()?.id
                print(setup == nil ? "encryption at rest: off" : "encryption at rest: on, new writes use data key \(active.map(String.init) ?? "?")")
                for id in (ring?.dataKeyIDs ?? []).sorted() {
                    print("data key \(id)\(id == active ? " (active)" : ""): \(resources[id] ?? 0) resource versions, \(ingest[id] ?? 0) ingest rows, \(audit[id] ?? 0) audit records")
                }
                print("nothing sealed: \(resources[nil] ?? 0) resource versions, \(ingest[nil] ?? 0) ingest rows, \(audit[nil] ?? 0) audit records")
            }
        }
    }
}
