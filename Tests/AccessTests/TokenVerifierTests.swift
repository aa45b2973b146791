import Crypto
import Foundation
import JWTKit
import Testing
@testable import Access

@Suite("Bearer token verification")
struct TokenVerifierTests {
    /// Tokens are signed with the very claims type the verifier reads.
    typealias Payload = TokenClaims

    static let secret = "a development secret of enough length"
    static func payload(exp: TimeInterval = 300, nbf: TimeInterval? = nil, iss: String = "https://auth.example",
                        aud: [String] = ["https://fhir.example/fhir"], scope: String? = "patient/Observation.rs", patient: String? = "p1") -> Payload {
        Payload(iss: IssuerClaim(value: iss), sub: SubjectClaim(value: "clinician-7"), aud: AudienceClaim(value: aud),
                exp: ExpirationClaim(value: Date().addingTimeInterval(exp)), nbf: nbf.map { NotBeforeClaim(value: Date().addingTimeInterval($0)) },
                scope: scope, patient: patient)
    }

    static func hs256(_ payload: Payload, secret: String = secret) async throws -> String {
        try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(payload)
    }

    static func verifier(issuer: String? = "https://auth.example", audience: String? = "https://fhir.example/fhir") async throws -> TokenVerifier {
        try await TokenVerifier.make(.init(keys: .sharedSecret(secret), issuer: issuer, audience: audience))
    }

    @Test("a valid HS256 token becomes a grant with its subject, scopes and patient")
    func valid() async throws {
        let grant = try await Self.verifier().verify(try await Self.hs256(Self.payload()))
        #expect(grant.caller == .user(subject: "clinician-7", clientID: nil))
        #expect(grant.scopeTexts == ["patient/Observation.rs"])
        #expect(grant.patient == "p1")
    }

    @Test("scopes may come as an scp array")
    func scpArray() async throws {
        var payload = Self.payload(scope: nil)
        payload.scp = ["system/*.read", "system/Patient.c"]
        let grant = try await Self.verifier().verify(try await Self.hs256(payload))
        #expect(grant.scopeTexts == ["system/*.read", "system/Patient.c"])
    }

    @Test("expired, not yet valid, wrong issuer, wrong audience and forged tokens are refused")
    func refusals() async throws {
        let verifier = try await Self.verifier()
        await #expect(throws: AuthenticationError.expired) { try await verifier.verify(try await Self.hs256(Self.payload(exp: -120))) }
        await #expect(throws: AuthenticationError.notYetValid) { try await verifier.verify(try await Self.hs256(Self.payload(nbf: 600))) }
        await #expect(throws: AuthenticationError.wrongIssuer("https://evil.example")) {
            try await verifier.verify(try await Self.hs256(Self.payload(iss: "https://evil.example")))
        }
        await #expect(throws: AuthenticationError.wrongAudience) {
            try await verifier.verify(try await Self.hs256(Self.payload(aud: ["https://other.example"])))
        }
        await #expect(throws: AuthenticationError.badSignature) {
            try await verifier.verify(try await Self.hs256(Self.payload(), secret: "another secret entirely, also long enough"))
        }
        await #expect(throws: AuthenticationError.malformedToken("a JWT has three dot-separated parts")) { try await verifier.verify("abc") }
    }

    @Test("the leeway accepts a token expired a few seconds ago")
    func leeway() async throws {
        _ = try await Self.verifier().verify(try await Self.hs256(Self.payload(exp: -10)))
    }

    @Test("an unsigned token (alg none) is refused before any key is tried")
    func algorithmNone() async throws {
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
        let body = Data(#"{"sub":"x","exp":9999999999}"#.utf8).base64EncodedString()
        await #expect(throws: AuthenticationError.unsupportedAlgorithm("none")) { try await Self.verifier().verify("\(header).\(body).") }
    }

    @Test("ES256 tokens verify against a JWKS file; an HS256 token is refused there")
    func jwks() async throws {
        let key = ES256PrivateKey()
        let parameters = try #require(key.parameters)
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
        try Data(jwks.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let verifier = try await TokenVerifier.make(.init(keys: .jwks(.file(file.path)), issuer: "https://auth.example"))
        let token = try await JWTKeyCollection().add(ecdsa: key, kid: "k1").sign(Self.payload(), kid: "k1")
        #expect(try await verifier.verify(token).patient == "p1")
        let other = try await JWTKeyCollection().add(ecdsa: ES256PrivateKey(), kid: "k2").sign(Self.payload(), kid: "k2")
        await #expect(throws: AuthenticationError.unknownKey("k2")) { try await verifier.verify(other) }
        await #expect(throws: AuthenticationError.unsupportedAlgorithm("HS256")) { try await verifier.verify(try await Self.hs256(Self.payload())) }
    }

    @Test("a short HS256 secret stops the verifier from being made")
    func shortSecret() async {
        await #expect(throws: AuthenticationError.keysUnavailable("the HS256 secret must be at least 32 bytes")) {
            try await TokenVerifier.make(.init(keys: .sharedSecret("short")))
        }
    }

    @Test("a missing JWKS file stops the verifier from being made")
    func missingJWKS() async {
        await #expect(throws: AuthenticationError.keysUnavailable("cannot read JWKS file /nonexistent/jwks.json")) {
            try await TokenVerifier.make(.init(keys: .jwks(.file("/nonexistent/jwks.json"))))
        }
    }
}
