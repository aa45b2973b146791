/// Why encryption at rest could not seal, open or set up; descriptions are sentences an
/// operator can act on.
public enum EncryptionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A primitive failed (wrong key or altered bytes show up as `.crypto(.authenticationFailed)`).
    case crypto(CryptoError)
    /// A sealed value names a data key this server does not hold.
    case unknownKey(UInt32)
    /// Sealed text is not in the `$vesta$<key id>$<base64>` form.
    case malformed(String)
    /// The plaintext-elements policy file is unusable.
    case policy(String)

    public var description: String {
        switch self {
        case .crypto(let error): error.description
        case .unknownKey(let id): "sealed with data key \(id), which this server does not hold"
        case .malformed(let reason): "sealed value is malformed: \(reason)"
        case .policy(let reason): "encryption policy: \(reason)"
        }
    }
}
