import Encryption
import FHIRStore
import Foundation
import PostgresNIO
import Testing

/// Device keys against PostgreSQL: issue, authenticate, revoke (with and without the cache),
/// keys that must not authenticate, and a table that holds hashes, never keys.
@Suite struct DeviceKeyTests {
    private func stores(cacheLifetime: Duration = .zero) async throws -> (DeviceKeyStore, TestDatabase.Environment) {
        let environment = try await TestDatabase.shared.start()
        return (DeviceKeyStore(client: environment.client, cacheLifetime: cacheLifetime, logger: environment.logger), environment)
    }

    @Test func anIssuedKeyAuthenticatesItsDeviceUntilRevoked() async throws {
        let (store, _) = try await stores()
        let device = uniqueId("dev")
        let (keyId, key) = try await store.issue(deviceId: device)
        #expect(key.hasPrefix("vdk_\(keyId)_"))
        #expect(DeviceKeyStore.looksLikeDeviceKey(key))
        #expect(try await store.authenticate(key) == device)

        try await store.revoke(keyId: keyId)
        #expect(try await store.authenticate(key) == nil)
        await #expect(throws: DeviceKeyError.noActiveKey(keyId: keyId)) { try await store.revoke(keyId: keyId) }
        let listed = try #require(try await store.list().first { $0.keyId == keyId })
        #expect(listed.deviceId == device)
        #expect(listed.revoked != nil)
    }

    /// Another server (another store) trusts a key it checked for its cache lifetime; the
    /// server that revokes stops at once.
    @Test func revocationReachesOtherServersWithinTheCacheLifetime() async throws {
        let (admin, environment) = try await stores()
        let device = uniqueId("dev")
        let (keyId, key) = try await admin.issue(deviceId: device)
        let server = DeviceKeyStore(client: environment.client, cacheLifetime: .milliseconds(500), logger: environment.logger)
        let longLived = DeviceKeyStore(client: environment.client, logger: environment.logger)
        #expect(try await server.authenticate(key) == device)
        #expect(try await longLived.authenticate(key) == device)

        try await admin.revoke(keyId: keyId)
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await server.authenticate(key) == nil, "refused once the cache lifetime has passed")
        #expect(try await longLived.authenticate(key) == device, "trusted from the cache until its lifetime (30 s) ends")

        let (otherId, otherKey) = try await longLived.issue(deviceId: device)
        #expect(try await longLived.authenticate(otherKey) == device)
        try await longLived.revoke(keyId: otherId)
        #expect(try await longLived.authenticate(otherKey) == nil, "the revoking server forgets the key at once")
    }

    @Test func malformedAndWrongKeysDoNotAuthenticate() async throws {
        let (store, environment) = try await stores()
        let cached = DeviceKeyStore(client: environment.client, logger: environment.logger)
        let device = uniqueId("dev")
        let (keyId, key) = try await store.issue(deviceId: device)
        #expect(try await cached.authenticate(key) == device)
        let secret = String(key.dropFirst("vdk_\(keyId)_".count))
        #expect(secret.count == 43)
        // A well-formed secret of another key: parses, but is the wrong secret for this key id.
        let (otherKeyId, otherKey) = try await store.issue(deviceId: uniqueId("dev"))
        let otherSecret = String(otherKey.dropFirst("vdk_\(otherKeyId)_".count))
        let candidates = [
            "", "vdk_", "vdk_\(keyId)", "vdk_\(keyId)_", "Bearer \(key)", " \(key)", "\(key) ", "\(key)=", "\(key)A",
            String(key.dropLast()), "vdk_\(keyId.uppercased())_\(secret)", "VDK_\(keyId)_\(secret)",
            "vdk_\(keyId)_\(otherSecret)", "vdk_0000000000000000_\(secret)", "vdk_\(keyId)x_\(secret)",
            "vdk_\(keyId)_\(secret.dropLast())+", "vdk_\(keyId)_\(secret.dropLast())é",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
        ]
        for candidate in candidates where candidate != key {
            #expect(try await store.authenticate(candidate) == nil, "\(candidate)")
            #expect(try await cached.authenticate(candidate) == nil, "cached: \(candidate)")
        }
        #expect(!DeviceKeyStore.looksLikeDeviceKey("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"))
        #expect(!DeviceKeyStore.looksLikeDeviceKey(""))
    }

    /// The table holds the SHA-256 of the secret; the key text, the secret and its bytes
    /// appear nowhere in it.
    @Test func onlyTheHashOfTheSecretIsStored() async throws {
        let (store, environment) = try await stores()
        let (keyId, key) = try await store.issue(deviceId: uniqueId("dev"))
        let secretText = String(key.dropFirst("vdk_\(keyId)_".count))
        var base64 = secretText.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let secret = [UInt8](try #require(Data(base64Encoded: base64)))
        #expect(secret.count == 32)
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }

        let rows = try await environment.client.query(
            "SELECT row_to_json(k)::text, encode(secret_hash, 'hex') FROM device_key k WHERE key_id = \(keyId)")
        var found = false
        for try await (row, storedHash) in rows.decode((String, String).self) {
            found = true
            #expect(!row.contains(key))
            #expect(!row.contains(secretText))
            #expect(!row.contains(hex(secret)))
            #expect(!row.contains(Data(secret).base64EncodedString()))
            #expect(storedHash == hex(try SHA256.digest(secret)))
        }
        #expect(found)
    }

    @Test func unusableDeviceIdsAreRefused() async throws {
        let (store, _) = try await stores()
        for id in ["", "two words", "line\nbreak", String(repeating: "x", count: 257)] {
            await #expect(throws: DeviceKeyError.self, "\(id)") { _ = try await store.issue(deviceId: id) }
        }
    }
}
