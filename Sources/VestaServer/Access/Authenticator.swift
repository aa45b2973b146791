import Access
import HTTPTypes

/// Turns a request's credential into an `AccessGrant`: a bearer JWT checked by the
/// `TokenVerifier`, or nothing at all when authorization is off (`--insecure-no-auth`, which
/// `vesta serve` allows only on a loopback address).
public struct Authenticator: Sendable {
    /// Verifies bearer tokens; nil when authorization is off.
    public let verifier: TokenVerifier?

    public init(verifier: TokenVerifier?) {
        self.verifier = verifier
    }

    /// Authorization off: every request gets the unrestricted grant.
    public static let off = Authenticator(verifier: nil)

    /// The grant of a request that carries these headers.
    func grant(_ headers: HTTPFields) async throws(AuthenticationError) -> AccessGrant {
        guard let verifier else { return .unrestricted }
        guard let credential = Self.bearerCredential(headers) else { throw .missingCredential }
        return try await verifier.verify(credential)
    }

    /// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive).
    static func bearerCredential(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
