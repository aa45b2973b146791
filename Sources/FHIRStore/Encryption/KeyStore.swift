import Encryption
import Foundation
import Logging
import PostgresNIO

/// Why the database's keys cannot be used; each description tells the operator what to do.
public enum KeyStoreError: Error, Sendable, CustomStringConvertible {
    /// The database holds keys (so, sealed data) but no key-encryption key was given.
    case keyEncryptionKeyMissing
    /// A wrapped key does not open under the given key-encryption key.
    case wrongKeyEncryptionKey(keyID: Int32)
    /// The key table is inconsistent (no index key beside data keys, or the reverse).
    case incomplete(String)

    public var description: String {
        switch self {
        case .keyEncryptionKeyMissing:
            "the database holds encrypted data, but no key-encryption key was given: start with --master-key-file or VESTA_MASTER_KEY_FILE"
        case .wrongKeyEncryptionKey(let id):
            "the key-encryption key does not open data key \(id): it is not the key this database was encrypted with"
        case .incomplete(let reason):
            "the encryption_key table is incomplete: \(reason)"
        }
    }
}

/// The data keys and the blind-index key of a database, stored in `encryption_key` wrapped
/// (AES-256-GCM) by the key-encryption key. Vesta generates them; the key-encryption key comes
/// from the operator and never reaches the database.
public struct KeyStore: Sendable {
    private let keyEncryptionKey: SymmetricKey

    public init(keyEncryptionKey: SymmetricKey) {
        self.keyEncryptionKey = keyEncryptionKey
    }

    /// The keys for a server given `keyEncryptionKey`, created on the first start with one; nil
    /// when encryption is off. A database that holds keys refuses to open without the
    /// key-encryption key (or with another one): a server never runs half-encrypted.
    public static func open(
        _ client: PostgresClient, keyEncryptionKey: SymmetricKey?, logger: Logger
    ) async throws -> (store: KeyStore, ring: KeyRing)? {
        guard let keyEncryptionKey else {
            if try await hasKeys(client, logger: logger) { throw KeyStoreError.keyEncryptionKeyMissing }
            return nil
        }
        let store = KeyStore(keyEncryptionKey: keyEncryptionKey)
        return (store, try await store.loadOrCreate(client, logger: logger))
    }

    /// Whether the database holds any key, i.e. encryption was ever turned on for it.
    private static func hasKeys(_ client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query("SELECT EXISTS (SELECT 1 FROM encryption_key)", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// The key ring, creating the blind-index key and the first data key when the database has
    /// none yet (first start with encryption on). Concurrent first starts create one set.
    public func loadOrCreate(_ client: PostgresClient, logger: Logger) async throws -> KeyRing {
        if let ring = try await load(client, logger: logger) { return ring }
        try await underKeyLock(client, logger: logger) { connection in
            let existing = try await connection.query("SELECT count(*) FROM encryption_key", logger: logger)
            var count: Int64 = 0
            for try await value in existing.decode(Int64.self) { count = value }
            guard count == 0 else { return }
            try await insert(id: 1, purpose: "index", key: try SymmetricKey.random(), activeAfter: .zero, on: connection, logger: logger)
            try await insert(id: 2, purpose: "data", key: try SymmetricKey.random(), activeAfter: .zero, on: connection, logger: logger)
        }
        guard let ring = try await load(client, logger: logger) else { throw KeyStoreError.incomplete("no keys after creating them") }
        return ring
    }

    /// The key ring; nil when the database has no keys.
    public func load(_ client: PostgresClient, logger: Logger) async throws -> KeyRing? {
        let rows = try await client.query(
            "SELECT id, purpose, wrapped, active_from FROM encryption_key ORDER BY id", logger: logger)
        var dataKeys: [KeyRing.DataKey] = []
        var indexKey: SymmetricKey?
        for try await (id, purpose, wrapped, activeFrom) in rows.decode((Int32, String, ByteBuffer, Date).self) {
            let key = try unwrap(Array(buffer: wrapped), id: id, purpose: purpose)
            if purpose == "index" {
                indexKey = key
            } else {
                dataKeys.append(KeyRing.DataKey(id: UInt32(id), key: key, activeFrom: activeFrom))
            }
        }
        switch (indexKey, dataKeys.isEmpty) {
        case (nil, true): return nil
        case (let indexKey?, false): return KeyRing(dataKeys: dataKeys, indexKey: indexKey)
        case (nil, false): throw KeyStoreError.incomplete("data keys but no blind-index key")
        case (.some, true): throw KeyStoreError.incomplete("a blind-index key but no data key")
        }
    }

    /// Adds a data key that new writes use from `activeAfter` on (long enough for every running
    /// server to refresh its ring first). Returns its id.
    public func addDataKey(_ client: PostgresClient, activeAfter: Duration, logger: Logger) async throws -> UInt32 {
        try await underKeyLock(client, logger: logger) { connection in
            let rows = try await connection.query("SELECT coalesce(max(id), 0) + 1 FROM encryption_key", logger: logger)
            var id: Int32 = 1
            for try await next in rows.decode(Int32.self) { id = next }
            try await insert(id: id, purpose: "data", key: try SymmetricKey.random(), activeAfter: activeAfter, on: connection, logger: logger)
            return UInt32(id)
        }
    }

    /// Runs `work` in a transaction that holds the key table's advisory lock, so concurrent
    /// starts and rotations add keys one at a time.
    private func underKeyLock<Result: Sendable>(
        _ client: PostgresClient, logger: Logger, _ work: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await client.inTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('vesta encryption_key'))", logger: logger).collect()
            return try await work(connection)
        }
    }

    private func insert(
        id: Int32, purpose: String, key: SymmetricKey, activeAfter: Duration, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let wrapped = try AESGCM.seal(key.bytes, key: keyEncryptionKey, authenticating: Self.wrappingContext(id: id, purpose: purpose))
        let seconds = Double(activeAfter.components.seconds) + Double(activeAfter.components.attoseconds) / 1e18
        try await connection.query(
            """
            INSERT INTO encryption_key (id, purpose, wrapped, active_from)
            VALUES (\(id), \(purpose), \(ByteBuffer(bytes: wrapped)), now() + make_interval(secs => \(seconds)))
            """, logger: logger)
    }

    private func unwrap(_ wrapped: [UInt8], id: Int32, purpose: String) throws -> SymmetricKey {
        do {
            return try SymmetricKey(bytes: try AESGCM.open(wrapped, key: keyEncryptionKey, authenticating: Self.wrappingContext(id: id, purpose: purpose)))
        } catch .authenticationFailed {
            throw KeyStoreError.wrongKeyEncryptionKey(keyID: id)
        }
    }

    private static func wrappingContext(id: Int32, purpose: String) -> [UInt8] {
        Array("vesta key \(id) \(purpose)".utf8)
    }
}
