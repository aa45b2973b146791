/// Why a device key could not be issued or revoked; each description tells the operator what
/// to do. Authentication never throws these: a key that does not authenticate is just nil.
public enum DeviceKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device id is empty, too long, or holds whitespace or control characters.
    case invalidDeviceId(String)
    /// No key with this id, or it is revoked already.
    case noActiveKey(keyId: String)

    public var description: String {
        switch self {
        case .invalidDeviceId(let reason):
            "the device id is unusable: \(reason)"
        case .noActiveKey(let keyId):
            "there is no active device key '\(keyId)': `vesta devices list-keys` shows the keys and which are revoked"
        }
    }
}
