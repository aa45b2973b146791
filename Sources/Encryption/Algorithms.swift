import COpenSSL

/// An algorithm object fetched from OpenSSL once per process, or why the fetch failed.
///
/// OpenSSL 3 looks an algorithm up in its provider store (behind a lock) each time a context
/// is initialised with `EVP_aes_256_gcm()` or a digest name; fetching explicitly once and
/// reusing the result avoids that on every seal, open and authentication code. The objects
/// are never changed after the fetch, and OpenSSL documents fetched algorithms as safe to
/// share between threads, hence `@unchecked Sendable`. They live as long as the process.
struct Fetched: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The fetched algorithm, or `.openSSL` with the reason it could not be fetched.
    static func make(_ what: String, _ fetch: () -> OpaquePointer?) -> Result<Fetched, CryptoError> {
        guard let pointer = fetch() else { return .failure(.failure(of: "fetching \(what)")) }
        return .success(Fetched(pointer: pointer))
    }
}

/// AES-256-GCM from the default library context.
let aes256GCMCipher = Fetched.make("the AES-256-GCM cipher") { EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) }

/// A keyless HMAC-SHA-256 context that each authentication code duplicates. Duplicating it is
/// a read of the template, so concurrent calls do not race.
let hmacSHA256Template = Fetched.make("HMAC with SHA-256") { () -> OpaquePointer? in
    guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { return nil }
    defer { EVP_MAC_free(mac) }  // the context holds its own reference
    return vesta_hmac_sha256_context_new(mac)
}

/// SHA-256 from the default library context.
let sha256Digest = Fetched.make("the SHA-256 digest") { EVP_MD_fetch(nil, "SHA256", nil) }
