import Encryption
import FHIRCore
import FHIRSearch
import Foundation
import Logging
import Synchronization

/// The key ring a server currently holds. `KeyRingRefresh` replaces it every few seconds, so a
/// rotated data key is known here before it becomes active anywhere.
public final class KeyRingHolder: Sendable {
    private let state: Mutex<KeyRing>

    public init(_ ring: KeyRing) {
        state = Mutex(ring)
    }

    public var ring: KeyRing { state.withLock { $0 } }

    public func replace(with ring: KeyRing) {
        state.withLock { $0 = ring }
    }
}

/// Encryption at rest as the store applies it: resource bodies and stored texts sealed under
/// the current key ring, search values of sealed elements indexed blind.
public struct AtRestEncryption: Sendable {
    public let keys: KeyRingHolder
    public let sealer: EncryptedSealer
    public let blindIndex: BlindIndex

    public init(
        keys: KeyRingHolder, policy: SealingPolicy, registry: SearchParameterRegistry, resourceTypes: some Sequence<String>, logger: Logger
    ) {
        self.keys = keys
        sealer = EncryptedSealer(keys: keys, envelope: ResourceEnvelope(policy: policy), logger: logger)
        blindIndex = BlindIndex(indexKey: keys.ring.indexKey, policy: policy, registry: registry, resourceTypes: resourceTypes)
    }
}

/// Seals resources with `ResourceEnvelope` and texts whole, under the holder's current ring. A
/// body that does not open (altered bytes, a ciphertext moved from another row, an unknown
/// key) is reported as unreadable with the row named, in the error and in the log.
public struct EncryptedSealer: ResourceSealer {
    let keys: KeyRingHolder
    let envelope: ResourceEnvelope
    let logger: Logger

    public var isIdentity: Bool { false }

    public func seal(_ resource: JSONObject, type: String, id: String, version: Int) throws -> JSONObject {
        try envelope.seal(resource, type: type, id: id, version: version, keys: keys.ring)
    }

    public func unseal(_ storedJSON: String, type: String, id: String, version: Int) throws -> String {
        do {
            return try envelope.unseal(storedJSON, type: type, id: id, version: version, keys: keys.ring)
        } catch {
            logger.error("a sealed resource does not open", metadata: [
                "resource": "\(type)/\(id)/_history/\(version)", "reason": "\(error)",
            ])
            throw StoreError.unreadable(type: type, id: id, reason: "version \(version) cannot be decrypted: \(error)")
        }
    }

    public func sealText(_ text: String, context: String) throws -> String {
        try keys.ring.seal(Array(text.utf8), context: context)
    }

    public func isCurrent(storedText: String) -> Bool {
        guard KeyRing.isSealed(storedText), let id = try? KeyRing.keyID(of: Substring(storedText)) else { return false }
        return id == keys.ring.activeKey()?.id
    }

    public func unsealText(_ stored: String, context: String) throws -> String {
        guard KeyRing.isSealed(stored) else { return stored }
        do {
            return String(decoding: try keys.ring.open(Substring(stored), context: context), as: UTF8.self)
        } catch {
            logger.error("a sealed text does not open", metadata: ["context": "\(context)", "reason": "\(error)"])
            throw error
        }
    }
}
