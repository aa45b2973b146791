import COpenSSL

/// HMAC-SHA-256, for keyed digests that must not be computable without the key, such as
/// blind indexes of encrypted values.
public enum HMACSHA256 {
    static let byteCount = 32

    /// The 32-byte authentication code of `message` under `key`.
    public static func authenticationCode(for message: [UInt8], key: SymmetricKey) throws(CryptoError) -> [UInt8] {
        try authenticationCode(for: message, keyBytes: key.bytes)
    }

    /// The same with a key of any non-zero length, for the RFC 4231 vectors, whose keys are
    /// not 32 bytes.
    static func authenticationCode(for message: [UInt8], keyBytes: [UInt8]) throws(CryptoError) -> [UInt8] {
        precondition(!keyBytes.isEmpty, "HMACSHA256 needs a key of at least one byte")
        let template = try hmacSHA256Template.get()
        guard let context = EVP_MAC_CTX_dup(template.pointer) else { throw .failure(of: "EVP_MAC_CTX_dup") }
        defer { EVP_MAC_CTX_free(context) }

        try keyBytes.withUnsafeBufferPointer { key throws(CryptoError) in
            guard EVP_MAC_init(context, key.baseAddress, key.count, nil) == 1 else { throw .failure(of: "EVP_MAC_init") }
        }
        try message.withUnsafeBufferPointer { message throws(CryptoError) in
            guard message.isEmpty || EVP_MAC_update(context, message.baseAddress, message.count) == 1 else {
                throw .failure(of: "EVP_MAC_update")
            }
        }
        return try [UInt8](unsafeUninitializedCapacity: byteCount) { code, initializedCount throws(CryptoError) in
            var written = 0
            guard EVP_MAC_final(context, code.baseAddress, &written, byteCount) == 1, written == byteCount else {
                throw .failure(of: "EVP_MAC_final")
            }
            initializedCount = byteCount
        }
    }
}
