import ArgumentParser
import Encryption
import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// `--master-key-file`: turns encryption at rest on (shared by every command that reads or
/// writes resources).
struct EncryptionOptions: ParsableArguments {
    @Option(name: .customLong("master-key-file"),
            help: "File holding the 256-bit key-encryption key (64 hex digits or base64); turns encryption at rest on (VESTA_MASTER_KEY_FILE).")
    var masterKeyFileFlag: String?

    @Flag(name: .customLong("insecure-no-encryption"),
          help: "Run against --database-url without encryption at rest; never for real patient data (VESTA_INSECURE_NO_ENCRYPTION=1).")
    var insecureNoEncryptionFlag = false

    var masterKeyFile: String? { masterKeyFileFlag ?? environment("VESTA_MASTER_KEY_FILE") }
    var insecureNoEncryption: Bool { insecureNoEncryptionFlag || environment("VESTA_INSECURE_NO_ENCRYPTION") == "1" }

    /// Encryption is off by default only in the embedded developer setup: a server on a
    /// database of its own (`--database-url`) needs a key, or an explicit opt-out.
    func requireKey(for database: DatabaseOptions) throws {
        guard database.databaseURL != nil, masterKeyFile == nil, !insecureNoEncryption else { return }
        throw ValidationError(
            "encryption at rest is required with --database-url: give --master-key-file (VESTA_MASTER_KEY_FILE), or --insecure-no-encryption for a database that holds no real patient data")
    }

    /// The key-encryption key, nil when none is configured.
    func keyEncryptionKey() throws -> SymmetricKey? {
        guard let path = masterKeyFile else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the key-encryption key file \(path)")
        }
        do {
            return try SymmetricKey(text: String(decoding: data, as: UTF8.self))
        } catch {
            throw ValidationError("the key-encryption key file \(path) is unusable: \(error)")
        }
    }
}

/// Encryption at rest as a command runs it: the store's encryption and where its keys live.
struct EncryptionSetup {
    let atRest: AtRestEncryption
    let keyStore: KeyStore

    /// Loads (on first use: creates) the database's keys when a key-encryption key is
    /// configured. Without one, a database that holds keys is refused: a server must never run
    /// half-encrypted. Needs the schema migrated.
    static func prepare(
        _ options: EncryptionOptions, client: PostgresClient, loaded: LoadedDefinitions, logger: Logger
    ) async throws -> EncryptionSetup? {
        guard let (keyStore, ring) = try await KeyStore.open(client, keyEncryptionKey: try options.keyEncryptionKey(), logger: logger) else {
            return nil
        }
        let policy = try SealingPolicy(contentsOf: loaded.conformanceDirectory.appendingPathComponent("encryption/plaintext-elements.json"))
        let atRest = AtRestEncryption(keys: KeyRingHolder(ring), policy: policy, registry: loaded.indexer.registry,
                                      resourceTypes: loaded.definitions.resourceTypes, logger: logger)
        return EncryptionSetup(atRest: atRest, keyStore: keyStore)
    }
}
