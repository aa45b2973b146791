import Foundation

/// The unwrapped keys of a database: data keys by id, each usable from its activation time, and
/// the blind-index key. Seals with the newest active data key; opens with whichever key a
/// sealed value names. Immutable; a refreshed ring replaces it.
///
/// Sealed text is `$vesta$<key id>$<base64 of nonce ‖ ciphertext ‖ tag>`. The associated data
/// is the key id and the caller's context (a resource's `Type/id/version`), so a ciphertext
/// opens only where it was sealed.
public struct KeyRing: Sendable {
    public struct DataKey: Sendable {
        public let id: UInt32
        public let key: SymmetricKey
        /// New writes use the newest key whose activation time has passed.
        public let activeFrom: Date

        public init(id: UInt32, key: SymmetricKey, activeFrom: Date) {
            self.id = id
            self.key = key
            self.activeFrom = activeFrom
        }
    }

    /// Newest first.
    private let dataKeys: [DataKey]
    /// The key of HMAC blind terms; it never rotates, so terms stay comparable.
    public let indexKey: SymmetricKey

    public init(dataKeys: [DataKey], indexKey: SymmetricKey) {
        self.dataKeys = dataKeys.sorted { $0.id > $1.id }
        self.indexKey = indexKey
    }

    /// The ids of every data key held.
    public var dataKeyIDs: [UInt32] { dataKeys.map(\.id) }

    /// The key new writes are sealed with at `now`: the newest active one (the oldest when none
    /// is active yet, which only a clock running behind the database's can cause).
    public func activeKey(at now: Date = Date()) -> DataKey? {
        dataKeys.first { $0.activeFrom <= now } ?? dataKeys.last
    }

    static let marker = "$vesta$"

    /// Seals `plaintext` under the active data key, bound to `context`.
    public func seal(_ plaintext: [UInt8], context: String) throws(EncryptionError) -> String {
        guard let active = activeKey() else { throw .malformed("the key ring holds no data key") }
        let box: [UInt8]
        do {
            box = try AESGCM.seal(plaintext, key: active.key, authenticating: Self.associatedData(keyID: active.id, context: context))
        } catch {
            throw .crypto(error)
        }
        return Self.marker + String(active.id) + "$" + Data(box).base64EncodedString()
    }

    /// Opens text `seal` produced for the same `context`. Throws when it was altered, moved to
    /// another context, or sealed with a key this ring does not hold.
    public func open(_ sealed: Substring, context: String) throws(EncryptionError) -> [UInt8] {
        let (keyID, box) = try Self.parse(sealed)
        guard let dataKey = dataKeys.first(where: { $0.id == keyID }) else { throw .unknownKey(keyID) }
        do {
            return try AESGCM.open(box, key: dataKey.key, authenticating: Self.associatedData(keyID: keyID, context: context))
        } catch {
            throw .crypto(error)
        }
    }

    /// Whether `text` is sealed text (rather than plaintext written before encryption was on).
    public static func isSealed(_ text: some StringProtocol) -> Bool {
        text.hasPrefix(marker)
    }

    /// The data key id a sealed text names, without opening it.
    public static func keyID(of sealed: Substring) throws(EncryptionError) -> UInt32 {
        try parse(sealed).keyID
    }

    private static func parse(_ sealed: Substring) throws(EncryptionError) -> (keyID: UInt32, box: [UInt8]) {
        guard sealed.hasPrefix(marker) else { throw .malformed("it does not start with \(marker)") }
        let rest = sealed.dropFirst(marker.count)
        guard let separator = rest.firstIndex(of: "$"), let keyID = UInt32(rest[..<separator]) else {
            throw .malformed("no key id")
        }
        guard let box = Data(base64Encoded: String(rest[rest.index(after: separator)...])) else {
            throw .malformed("the ciphertext is not base64")
        }
        return (keyID, Array(box))
    }

    private static func associatedData(keyID: UInt32, context: String) -> [UInt8] {
        Array("vesta/\(keyID)/\(context)".utf8)
    }
}
