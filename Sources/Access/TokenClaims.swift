import JWTKit

/// The claims of a SMART access token that Vesta reads. Scopes come as the space-separated
/// `scope` string (SMART, RFC 9068) or as an `scp` array (Azure AD, Okta).
struct TokenClaims: JWTPayload {
    var iss: IssuerClaim?
    var sub: SubjectClaim?
    var aud: AudienceClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var scope: String?
    var scp: [String]?
    var patient: String?
    var client_id: String?
    var azp: String?

    /// Time claims are checked by `TokenVerifier` with its leeway, after the signature.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    var scopeTexts: [String] {
        (scope?.split(separator: " ").map(String.init) ?? []) + (scp ?? [])
    }
}
