import Encryption
import FHIRStore
import Foundation

/// Encryption at rest for a test database, set up as `vesta serve --master-key-file` does.
enum TestEncryption {
    static let policyFile = ProjectPaths.root.appendingPathComponent("conformance/encryption/plaintext-elements.json")

    /// The store's encryption, and the key store (for rotating keys in tests).
    static func make(
        _ environment: TestDatabase.Environment, keyEncryptionKey: SymmetricKey
    ) async throws -> (encryption: AtRestEncryption, keyStore: KeyStore) {
        guard let (keyStore, ring) = try await KeyStore.open(environment.client, keyEncryptionKey: keyEncryptionKey, logger: environment.logger) else {
            throw KeyStoreError.incomplete("no key ring although a key-encryption key was given")
        }
        let encryption = AtRestEncryption(
            keys: KeyRingHolder(ring), policy: try SealingPolicy(contentsOf: policyFile), registry: environment.indexer.registry,
            resourceTypes: environment.definitions.resourceTypes, logger: environment.logger)
        return (encryption, keyStore)
    }
}
