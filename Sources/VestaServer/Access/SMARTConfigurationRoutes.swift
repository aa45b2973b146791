import Access
import FHIRCore
import Hummingbird

/// `GET /.well-known/smart-configuration` (and under `/fhir`): SMART App Launch discovery, so
/// clients learn where to get tokens and which scopes and capabilities this server honours.
struct SMARTConfigurationRoutes: Sendable {
    let configuration: ServerConfiguration
    let authenticator: Authenticator

    func register<Context: RequestContext>(on router: Router<Context>) {
        for path in [".well-known/smart-configuration", "fhir/.well-known/smart-configuration"] {
            router.get(RouterPath(path)) { request, _ in
                FHIRResponses.json(.object(document), headers: [.contentType: "application/json"], pretty: ResponseOptions(request).pretty)
            }
        }
    }

    /// The discovery document: the authorization server's endpoints as configured, and what
    /// Vesta verifies and enforces.
    var document: JSONObject {
        var document: JSONObject = [
            "capabilities": ["permission-v1", "permission-v2", "permission-patient", "permission-user", "client-confidential-asymmetric",
                             "context-standalone-patient", "launch-standalone"],
            "scopes_supported": ["patient/*.rs", "user/*.cruds", "system/*.cruds", "patient/*.read", "user/*.*", "system/*.*"],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        ]
        let smart = configuration.smart
        if let issuer = smart.issuer { document["issuer"] = .string(issuer) }
        if let jwks = smart.jwksURL { document["jwks_uri"] = .string(jwks) }
        if let authorize = smart.authorizationEndpoint { document["authorization_endpoint"] = .string(authorize) }
        if let token = smart.tokenEndpoint { document["token_endpoint"] = .string(token) }
        return document
    }
}
