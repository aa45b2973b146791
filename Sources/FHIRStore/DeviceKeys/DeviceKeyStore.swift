import Encryption
import Foundation
import Logging
import PostgresNIO

/// Per-device credentials for `POST /ingest` (`device_key`, migration 0010). A key is
/// `vdk_<key id>_<secret>`, shown once when issued; the database keeps the SHA-256 of the
/// secret (32 random bytes, so a fast hash is enough and a stolen table yields no key).
///
/// Successful authentications are cached per process for `cacheLifetime` (30 s by default):
/// a revocation takes effect at once in the process that revokes, and in every other server
/// within `cacheLifetime`.
public struct DeviceKeyStore: Sendable {
    /// How long a server keeps trusting a key it has checked against the database, and so the
    /// longest a revoked key keeps working on servers other than the one that revoked it.
    public static let defaultCacheLifetime: Duration = .seconds(30)
    /// The longest device id accepted (IoT Hub allows 128 characters).
    public static let maximumDeviceIdLength = 256

    /// One stored key, without anything secret.
    public struct Key: Sendable, Equatable {
        public let keyId: String
        public let deviceId: String
        public let created: Date
        /// When it was revoked; nil while it authenticates.
        public let revoked: Date?
    }

    private let client: PostgresClient
    private let logger: Logger
    private let cache: DeviceKeyCache

    /// - Parameter cacheLifetime: how long a checked key is trusted without asking the
    ///   database again; `.zero` asks on every call.
    public init(client: PostgresClient, cacheLifetime: Duration = defaultCacheLifetime, logger: Logger) {
        self.client = client
        self.logger = logger
        cache = DeviceKeyCache(lifetime: cacheLifetime)
    }

    /// Whether `token` is written as a device key (`vdk_…`) rather than a JWT, so a bearer
    /// credential can be routed to `authenticate` without parsing it. Says nothing about
    /// whether the key is valid.
    public static func looksLikeDeviceKey(_ token: String) -> Bool {
        token.hasPrefix(DeviceKeyText.prefix)
    }

    /// Creates a key for `deviceId` and returns its id and its text. The text is not stored
    /// anywhere: it cannot be shown again, only revoked and replaced.
    public func issue(deviceId: String) async throws -> (keyId: String, key: String) {
        try Self.validate(deviceId: deviceId)
        let key = DeviceKeyText(keyId: DeviceKeyText.hexadecimal(try SecureRandom.bytes(DeviceKeyText.keyIdByteCount)),
                                secret: try SecureRandom.bytes(DeviceKeyText.secretByteCount))
        let hash = ByteBuffer(bytes: try SHA256.digest(key.secret))
        try await client.query(
            "INSERT INTO device_key (key_id, device_id, secret_hash) VALUES (\(key.keyId), \(deviceId), \(hash))",
            logger: logger)
        return (key.keyId, key.text)
    }

    /// The device id `key` belongs to; nil when the text is not a device key, or names no key,
    /// a revoked key, or the wrong secret. Throws only when the database cannot be asked.
    public func authenticate(_ key: String) async throws -> String? {
        guard let parsed = DeviceKeyText(parsing: key) else { return nil }
        let presented = try SHA256.digest(parsed.secret)
        switch cache.answer(keyId: parsed.keyId, secretHash: presented) {
        case .device(let deviceId): return deviceId
        case .mismatch: return nil
        case .unknown: break
        }
        let rows = try await client.query(
            "SELECT device_id, secret_hash FROM device_key WHERE key_id = \(parsed.keyId) AND revoked_at IS NULL",
            logger: logger)
        for try await (deviceId, stored) in rows.decode((String, ByteBuffer).self) {
            let storedHash = Array(stored.readableBytesView)
            guard ConstantTime.equal(storedHash, presented) else { return nil }
            cache.store(keyId: parsed.keyId, deviceId: deviceId, secretHash: storedHash)
            return deviceId
        }
        return nil
    }

    /// Revokes a key: from now on in this process, within `cacheLifetime` in every other.
    /// `.noActiveKey` when there is no such key or it is revoked already.
    public func revoke(keyId: String) async throws {
        cache.forget(keyId: keyId)
        let rows = try await client.query(
            "UPDATE device_key SET revoked_at = now() WHERE key_id = \(keyId) AND revoked_at IS NULL RETURNING key_id",
            logger: logger)
        for try await _ in rows.decode(String.self) { return }
        throw DeviceKeyError.noActiveKey(keyId: keyId)
    }

    /// Every key, revoked ones included, by device and then age.
    public func list() async throws -> [Key] {
        let rows = try await client.query(
            "SELECT key_id, device_id, created_at, revoked_at FROM device_key ORDER BY device_id, created_at, key_id",
            logger: logger)
        var keys: [Key] = []
        for try await (keyId, deviceId, created, revoked) in rows.decode((String, String, Date, Date?).self) {
            keys.append(Key(keyId: keyId, deviceId: deviceId, created: created, revoked: revoked))
        }
        return keys
    }

    /// A device id must be something a device mapping can yield and a log line can show.
    static func validate(deviceId: String) throws(DeviceKeyError) {
        guard !deviceId.isEmpty else { throw .invalidDeviceId("it is empty") }
        guard deviceId.count <= maximumDeviceIdLength else {
            throw .invalidDeviceId("it is longer than \(maximumDeviceIdLength) characters")
        }
        guard !deviceId.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw .invalidDeviceId("it contains whitespace or control characters")
        }
    }
}
