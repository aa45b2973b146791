import COpenSSL

/// AES-256-GCM authenticated encryption, for data at rest.
///
/// Each seal draws a fresh random 96-bit nonce and appends a 128-bit tag, so a box is
/// `nonce (12 bytes) ‖ ciphertext (as long as the plaintext) ‖ tag (16 bytes)` and carries
/// everything `open` needs besides the key and the associated data. The associated data is
/// authenticated but not stored: bind a box to where it belongs (a resource's type and id,
/// say) so that it cannot be moved elsewhere unnoticed. With random nonces, one key should
/// seal no more than about 2^32 boxes.
public enum AESGCM {
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext`, and authenticates `associatedData`, under a
    /// fresh random nonce. Either may be empty.
    public static func seal(
        _ plaintext: [UInt8], key: SymmetricKey, authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try seal(plaintext, key: key, nonce: nil, associatedData: associatedData)
    }

    /// The plaintext of a box from `seal`, if the key and the associated data are the ones it
    /// was sealed with and no byte has changed; otherwise `.authenticationFailed`. A box too
    /// short to hold a nonce and a tag is `.malformedCiphertext`.
    public static func open(
        _ box: [UInt8], key: SymmetricKey, authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        let overhead = nonceByteCount + tagByteCount
        guard box.count >= overhead else {
            throw .malformedCiphertext("a sealed box is at least \(overhead) bytes (nonce and tag), and this one is \(box.count)")
        }
        let cipher = try aes256GCMCipher.get()
        let context = try newContext()
        defer { EVP_CIPHER_CTX_free(context) }

        return try box.withUnsafeBufferPointer { box throws(CryptoError) in
            // Non-nil: the box holds at least `overhead` bytes.
            guard let boxBase = box.baseAddress else { throw .malformedCiphertext("the box is empty") }
            let ciphertextCount = box.count - overhead
            let ciphertext = UnsafeBufferPointer(start: boxBase + nonceByteCount, count: ciphertextCount)
            let tag = UnsafeMutableRawPointer(mutating: boxBase + nonceByteCount + ciphertextCount)

            try key.bytes.withUnsafeBufferPointer { key throws(CryptoError) in
                guard EVP_DecryptInit_ex2(context, cipher.pointer, key.baseAddress, boxBase, nil) == 1 else {
                    throw .failure(of: "EVP_DecryptInit_ex2")
                }
            }
            // OpenSSL copies the expected tag into the context; it does not write through the pointer.
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), tag) == 1 else {
                throw .failure(of: "EVP_CIPHER_CTX_ctrl(EVP_CTRL_GCM_SET_TAG)")
            }
            try associatedData.withUnsafeBufferPointer { associatedData throws(CryptoError) in
                try update(context, decrypting: true, associatedData, into: nil)
            }
            return try [UInt8](unsafeUninitializedCapacity: ciphertextCount) { plaintext, initializedCount throws(CryptoError) in
                try update(context, decrypting: true, ciphertext, into: plaintext.baseAddress)
                var finalCount: Int32 = 0
                guard EVP_DecryptFinal_ex(context, plaintext.baseAddress, &finalCount) == 1 else {
                    // Nothing unauthenticated leaves this function, nor lingers in freed memory.
                    if let base = plaintext.baseAddress { OPENSSL_cleanse(base, plaintext.count) }
                    ERR_clear_error()
                    throw .authenticationFailed
                }
                initializedCount = ciphertextCount
            }
        }
    }

    /// `seal` with a given nonce, for known-answer tests only: a nonce must never repeat
    /// under one key, and only a random one guarantees that.
    static func seal(
        _ plaintext: [UInt8], key: SymmetricKey, nonce: [UInt8], authenticating associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        precondition(nonce.count == nonceByteCount, "an AES-GCM nonce is \(nonceByteCount) bytes")
        return try seal(plaintext, key: key, nonce: Optional(nonce), associatedData: associatedData)
    }

    /// Writes the box in place: the nonce, then the ciphertext, then the tag, each straight
    /// into the one array returned.
    private static func seal(
        _ plaintext: [UInt8], key: SymmetricKey, nonce: [UInt8]?, associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        let cipher = try aes256GCMCipher.get()
        let context = try newContext()
        defer { EVP_CIPHER_CTX_free(context) }

        let boxCount = nonceByteCount + plaintext.count + tagByteCount
        return try [UInt8](unsafeUninitializedCapacity: boxCount) { box, initializedCount throws(CryptoError) in
            // Non-nil: the capacity is at least nonce plus tag.
            guard let boxBase = box.baseAddress else { throw .openSSL("no memory for the sealed box") }
            let nonceBuffer = UnsafeMutableBufferPointer(start: boxBase, count: nonceByteCount)
            if let nonce {
                _ = nonceBuffer.initialize(from: nonce)
            } else {
                try SecureRandom.fill(nonceBuffer)
            }
            try key.bytes.withUnsafeBufferPointer { key throws(CryptoError) in
                guard EVP_EncryptInit_ex2(context, cipher.pointer, key.baseAddress, boxBase, nil) == 1 else {
                    throw .failure(of: "EVP_EncryptInit_ex2")
                }
            }
            try associatedData.withUnsafeBufferPointer { associatedData throws(CryptoError) in
                try update(context, decrypting: false, associatedData, into: nil)
            }
            let ciphertext = boxBase + nonceByteCount
            try plaintext.withUnsafeBufferPointer { plaintext throws(CryptoError) in
                try update(context, decrypting: false, plaintext, into: ciphertext)
            }
            let tag = ciphertext + plaintext.count
            var finalCount: Int32 = 0
            guard EVP_EncryptFinal_ex(context, tag, &finalCount) == 1, finalCount == 0 else {
                throw .failure(of: "EVP_EncryptFinal_ex")
            }
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), tag) == 1 else {
                throw .failure(of: "EVP_CIPHER_CTX_ctrl(EVP_CTRL_GCM_GET_TAG)")
            }
            initializedCount = boxCount
        }
    }

    private static func newContext() throws(CryptoError) -> OpaquePointer {
        guard let context = EVP_CIPHER_CTX_new() else { throw .failure(of: "EVP_CIPHER_CTX_new") }
        return context
    }

    /// Feeds `input` through the cipher: as associated data when `output` is nil, otherwise
    /// as text whose result goes to `output` (GCM writes exactly as many bytes as it reads).
    /// Empty input is no call at all; long input goes in pieces an `int` length can count.
    private static func update(
        _ context: OpaquePointer, decrypting: Bool, _ input: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutablePointer<UInt8>?
    ) throws(CryptoError) {
        guard let inputBase = input.baseAddress else { return }
        var offset = 0
        while offset < input.count {
            let chunk = Swift.min(input.count - offset, 1 << 30)
            var written: Int32 = 0
            let result = decrypting
                ? EVP_DecryptUpdate(context, output.map { $0 + offset }, &written, inputBase + offset, Int32(chunk))
                : EVP_EncryptUpdate(context, output.map { $0 + offset }, &written, inputBase + offset, Int32(chunk))
            guard result == 1, output == nil || Int(written) == chunk else {
                throw .failure(of: decrypting ? "EVP_DecryptUpdate" : "EVP_EncryptUpdate")
            }
            offset += chunk
        }
    }
}
