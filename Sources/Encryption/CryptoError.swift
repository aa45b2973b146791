import COpenSSL

/// Why a cryptographic primitive failed. The descriptions are sentences an operator can act
/// on; none of them ever contains key material.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key text or bytes cannot be a 256-bit key; the reason says why.
    case invalidKey(String)
    /// The AES-GCM tag did not verify: wrong key, wrong associated data, or altered bytes.
    case authenticationFailed
    /// The ciphertext cannot even be parsed as a box, for instance because it is too short.
    case malformedCiphertext(String)
    /// An OpenSSL call failed; the text names the call and OpenSSL's own reasons.
    case openSSL(String)

    public var description: String {
        switch self {
        case .invalidKey(let reason):
            "The encryption key is unusable: \(reason)."
        case .authenticationFailed:
            "The ciphertext failed authentication: the key or the associated data is wrong, or the bytes were altered."
        case .malformedCiphertext(let reason):
            "The ciphertext is malformed: \(reason)."
        case .openSSL(let detail):
            "An OpenSSL call failed: \(detail)."
        }
    }

    /// `.openSSL` for a failed call, with the reasons OpenSSL queued on this thread. Reading
    /// them empties the queue, so a later, unrelated failure does not report them again.
    static func failure(of call: String) -> CryptoError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            // OpenSSL documents 256 bytes as always enough for ERR_error_string_n.
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            reasons.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return .openSSL(reasons.isEmpty ? "\(call) (no reason queued)" : "\(call): \(reasons.joined(separator: "; "))")
    }
}
