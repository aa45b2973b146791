/// Why a request's credential was not accepted. The description is safe to show the client
/// (it becomes the `WWW-Authenticate` error description and the OperationOutcome text).
public enum AuthenticationError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingCredential
    case malformedToken(String)
    case unsupportedAlgorithm(String)
    case badSignature
    case unknownKey(String?)
    case expired
    case notYetValid
    case wrongIssuer(String?)
    case wrongAudience
    case missingClaim(String)
    case unknownDeviceKey
    /// The keys to verify with could not be loaded (JWKS file or URL).
    case keysUnavailable(String)

    public var description: String {
        switch self {
        case .missingCredential: "No credential: send 'Authorization: Bearer <token>'"
        case .malformedToken(let reason): "The bearer token is not a well-formed JWT: \(reason)"
        case .unsupportedAlgorithm(let alg): "The token's algorithm '\(alg)' is not accepted"
        case .badSignature: "The token's signature does not verify"
        case .unknownKey(let kid): "No key verifies the token (kid '\(kid ?? "none")')"
        case .expired: "The token has expired"
        case .notYetValid: "The token is not valid yet (nbf)"
        case .wrongIssuer(let issuer): "The token's issuer '\(issuer ?? "none")' is not trusted"
        case .wrongAudience: "The token is not meant for this server (aud)"
        case .missingClaim(let claim): "The token lacks the '\(claim)' claim"
        case .unknownDeviceKey: "The device key is unknown or revoked"
        case .keysUnavailable(let reason): "The keys to verify tokens with are unavailable: \(reason)"
        }
    }
}
