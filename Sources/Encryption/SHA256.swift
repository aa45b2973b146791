import COpenSSL

/// SHA-256, for the audit log's hash chain (a digest anyone can recompute, unlike HMAC).
public enum SHA256 {
    public static let byteCount = 32

    /// The 32-byte digest of `message`.
    public static func digest(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        let digest = try sha256Digest.get()
        return try [UInt8](unsafeUninitializedCapacity: byteCount) { output, initializedCount throws(CryptoError) in
            var written: UInt32 = 0
            let succeeded = message.withUnsafeBufferPointer { input in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &written, digest.pointer, nil)
            }
            guard succeeded == 1, written == UInt32(byteCount) else { throw .failure(of: "EVP_Digest") }
            initializedCount = byteCount
        }
    }
}
