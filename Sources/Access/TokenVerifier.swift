import Foundation
import JWTKit
import Synchronization

/// Verifies bearer JWTs (RS256/ES256 against a JWKS, or HS256 with a shared secret for
/// development) and turns their claims into an `AccessGrant`. Checks the signature, the
/// algorithm against those the key kind allows (no `none`, no HS256 with public keys),
/// `exp` (required) and `nbf` with a small leeway, `iss` and `aud` when configured.
public final class TokenVerifier: Sendable {
    /// The keys tokens are signed with.
    public enum Keys: Sendable, Equatable {
        case sharedSecret(String)
        case jwks(JWKSLocation)
    }

    public struct Configuration: Sendable, Equatable {
        public var keys: Keys
        /// The `iss` every token must carry; any issuer when nil.
        public var issuer: String?
        /// A value the token's `aud` must contain (usually the FHIR base URL); any when nil.
        public var audience: String?
        /// Clock skew allowed on `exp` and `nbf`.
        public var leeway: Duration

        public init(keys: Keys, issuer: String? = nil, audience: String? = nil, leeway: Duration = .seconds(60)) {
            self.keys = keys
            self.issuer = issuer
            self.audience = audience
            self.leeway = leeway
        }
    }

    /// How long after loading a key set an unknown `kid` may trigger a reload: a stream of
    /// forged kids must not turn into a stream of requests to the authorization server.
    static let reloadInterval: Duration = .seconds(30)

    public let configuration: Configuration
    private let keySet: Mutex<KeySet>

    private struct KeySet {
        var collection: JWTKeyCollection
        var kids: Set<String>
        var loadedAt: ContinuousClock.Instant
    }

    private init(configuration: Configuration, keySet: KeySet) {
        self.configuration = configuration
        self.keySet = Mutex(keySet)
    }

    /// A verifier with its keys loaded, so a missing or malformed JWKS stops the start.
    public static func make(_ configuration: Configuration) async throws(AuthenticationError) -> TokenVerifier {
        TokenVerifier(configuration: configuration, keySet: try await loadKeys(configuration.keys))
    }

    /// The grant of a verified token, or why it is refused.
    public func verify(_ token: String) async throws(AuthenticationError) -> AccessGrant {
        let header = try TokenHeader(token)
        guard allowedAlgorithms.contains(header.alg) else { throw .unsupportedAlgorithm(header.alg) }
        let claims = try await verifiedClaims(token, kid: header.kid)
        try check(claims, now: Date())
        guard let subject = claims.sub?.value ?? claims.client_id ?? claims.azp else { throw .missingClaim("sub") }
        return AccessGrant(caller: .user(subject: subject, clientID: claims.client_id ?? claims.azp),
                           scopeTexts: claims.scopeTexts, patient: claims.patient)
    }

    private var allowedAlgorithms: Set<String> {
        switch configuration.keys {
        case .sharedSecret: ["HS256"]
        case .jwks: ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"]
        }
    }

    private func verifiedClaims(_ token: String, kid: String?) async throws(AuthenticationError) -> TokenClaims {
        var current = keySet.withLock { $0 }
        if case .jwks = configuration.keys, let kid, !current.kids.contains(kid),
           current.loadedAt.duration(to: .now) >= Self.reloadInterval {
            current = try await Self.loadKeys(configuration.keys)
            let reloaded = current
            keySet.withLock { $0 = reloaded }
        }
        if case .jwks = configuration.keys, !current.kids.isEmpty, !current.kids.contains(kid ?? "") {
            throw .unknownKey(kid)
        }
        do {
            return try await current.collection.verify(token, as: TokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch let error as JWTError where error.errorType == .noKeyProvided || error.errorType == .unknownKID {
            throw .unknownKey(kid)
        } catch {
            throw .malformedToken("\(error)")
        }
    }

    private func check(_ claims: TokenClaims, now: Date) throws(AuthenticationError) {
        let leeway = TimeInterval(configuration.leeway.components.seconds)
        guard let expiry = claims.exp?.value else { throw .missingClaim("exp") }
        guard expiry.addingTimeInterval(leeway) > now else { throw .expired }
        if let notBefore = claims.nbf?.value, notBefore.addingTimeInterval(-leeway) > now { throw .notYetValid }
        if let issuer = configuration.issuer, claims.iss?.value != issuer { throw .wrongIssuer(claims.iss?.value) }
        if let audience = configuration.audience, !(claims.aud?.value.contains(audience) ?? false) { throw .wrongAudience }
    }

    private static func loadKeys(_ keys: Keys) async throws(AuthenticationError) -> KeySet {
        let collection = JWTKeyCollection()
        switch keys {
        case .sharedSecret(let secret):
            guard secret.utf8.count >= 32 else { throw .keysUnavailable("the HS256 secret must be at least 32 bytes") }
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return KeySet(collection: collection, kids: [], loadedAt: .now)
        case .jwks(let location):
            let json = try await location.load()
            do {
                let set = try JSONDecoder().decode(JWKS.self, from: Data(json.utf8))
                guard !set.keys.isEmpty else { throw AuthenticationError.keysUnavailable("the JWKS holds no keys") }
                try await collection.add(jwks: set)
                return KeySet(collection: collection, kids: Set(set.keys.compactMap { $0.keyIdentifier?.string }), loadedAt: .now)
            } catch let error as AuthenticationError {
                throw error
            } catch {
                throw .keysUnavailable("the JWKS is not valid: \(error)")
            }
        }
    }
}

/// The JOSE header fields read before verification: the algorithm and the key id.
struct TokenHeader: Decodable {
    let alg: String
    let kid: String?

    init(_ token: String) throws(AuthenticationError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedToken("a JWT has three dot-separated parts") }
        var base64 = parts[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { throw .malformedToken("the header is not base64url") }
        do {
            self = try JSONDecoder().decode(TokenHeader.self, from: data)
        } catch {
            throw .malformedToken("the header is not JSON with an 'alg'")
        }
    }
}
