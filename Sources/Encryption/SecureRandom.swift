import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's generator (`RAND_bytes`), for keys
/// and nonces.
public enum SecureRandom {
    /// `count` random bytes; `count` must not be negative.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes needs a count of zero or more, not \(count)")
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initializedCount throws(CryptoError) in
            try fill(buffer)
            initializedCount = count
        }
    }

    /// Fills `buffer` with random bytes in place, so callers such as AESGCM.seal can write a
    /// nonce straight into their output.
    static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) throws(CryptoError) {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let chunk = Swift.min(buffer.count - offset, Int(Int32.max))
            guard RAND_bytes(base + offset, Int32(chunk)) == 1 else { throw .failure(of: "RAND_bytes") }
            offset += chunk
        }
    }
}
