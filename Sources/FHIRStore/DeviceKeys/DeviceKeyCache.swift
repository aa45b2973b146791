import Encryption
import Synchronization

/// Device keys that authenticated recently, by key id, with the SHA-256 of their secret: a
/// device posting every second costs one database read per `lifetime`, not one per request.
/// Secrets are never kept, only their digests, and a presented secret is still hashed and
/// compared in constant time on every hit.
final class DeviceKeyCache: Sendable {
    private struct Entry {
        let deviceId: String
        let secretHash: [UInt8]
        let expires: ContinuousClock.Instant
    }

    private let lifetime: Duration
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(lifetime: Duration, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// What the cache knows about a key id: `.unknown` (ask the database), or the answer for
    /// this secret digest (`.device`, or `.mismatch` when the secret is wrong).
    enum Answer: Equatable {
        case unknown
        case device(String)
        case mismatch
    }

    func answer(keyId: String, secretHash: [UInt8]) -> Answer {
        entries.withLock { entries in
            guard let entry = entries[keyId] else { return .unknown }
            guard entry.expires > .now else {
                entries[keyId] = nil
                return .unknown
            }
            return ConstantTime.equal(entry.secretHash, secretHash) ? .device(entry.deviceId) : .mismatch
        }
    }

    func store(keyId: String, deviceId: String, secretHash: [UInt8]) {
        guard lifetime > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity {
                let now = ContinuousClock.now
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[keyId] = Entry(deviceId: deviceId, secretHash: secretHash, expires: .now + lifetime)
        }
    }

    func forget(keyId: String) {
        entries.withLock { $0[keyId] = nil }
    }
}
