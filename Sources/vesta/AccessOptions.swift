import Access
import ArgumentParser
import Foundation
import VestaServer

/// Who may call the server: bearer JWTs checked against `--jwks` or `--jwt-hs256-secret`, or
/// nobody checked at all (`--insecure-no-auth`), which only a loopback address allows.
struct AccessOptions: ParsableArguments {
    @Option(name: .customLong("jwks"), help: "JWKS file or https URL of the authorization server's signing keys (RS256/ES256) (VESTA_JWKS).")
    var jwksFlag: String?

    @Option(name: .customLong("jwt-hs256-secret"), help: "Shared HS256 secret for bearer tokens; for development only (VESTA_JWT_HS256_SECRET).")
    var hs256SecretFlag: String?

    @Option(name: .customLong("jwt-issuer"), help: "The iss every bearer token must carry (VESTA_JWT_ISSUER).")
    var issuerFlag: String?

    @Option(name: .customLong("jwt-audience"), help: "A value the aud of every bearer token must contain, usually the FHIR base URL (VESTA_JWT_AUDIENCE).")
    var audienceFlag: String?

    @Flag(name: .customLong("insecure-no-auth"), help: "Serve without authentication; refused unless --host is a loopback address (VESTA_INSECURE_NO_AUTH=1).")
    var insecureNoAuthFlag = false

    @Option(name: .customLong("smart-authorization-endpoint"),
            help: "The authorization server's authorize URL, announced in /.well-known/smart-configuration (VESTA_SMART_AUTHORIZATION_ENDPOINT).")
    var authorizationEndpointFlag: String?

    @Option(name: .customLong("smart-token-endpoint"),
            help: "The authorization server's token URL, announced in /.well-known/smart-configuration (VESTA_SMART_TOKEN_ENDPOINT).")
    var tokenEndpointFlag: String?

    @Option(name: .customLong("cors-origin"), help: "Browser origin allowed to call the API, or * for any (VESTA_CORS_ORIGIN); no CORS headers when unset.")
    var corsOriginFlag: String?

    @Option(name: .customLong("ingest-rate-limit"), help: "Requests a second each client may post to /ingest; 0 for no limit (VESTA_INGEST_RATE_LIMIT).")
    var ingestRateLimitFlag: Double?

    @Option(name: .customLong("search-rate-limit"), help: "Searches a second each client may run; 0 for no limit (VESTA_SEARCH_RATE_LIMIT).")
    var searchRateLimitFlag: Double?

    var corsOrigin: String? { corsOriginFlag ?? environment("VESTA_CORS_ORIGIN") }
    var ingestRateLimit: Double { ingestRateLimitFlag ?? environment("VESTA_INGEST_RATE_LIMIT").flatMap(Double.init) ?? 0 }
    var searchRateLimit: Double { searchRateLimitFlag ?? environment("VESTA_SEARCH_RATE_LIMIT").flatMap(Double.init) ?? 0 }

    var jwks: String? { jwksFlag ?? environment("VESTA_JWKS") }
    var hs256Secret: String? { hs256SecretFlag ?? environment("VESTA_JWT_HS256_SECRET") }
    var issuer: String? { issuerFlag ?? environment("VESTA_JWT_ISSUER") }
    var audience: String? { audienceFlag ?? environment("VESTA_JWT_AUDIENCE") }
    var insecureNoAuth: Bool { insecureNoAuthFlag || environment("VESTA_INSECURE_NO_AUTH") == "1" }

    /// The verifier's settings, nil when no token keys are configured.
    func tokenConfiguration() throws -> TokenVerifier.Configuration? {
        switch (jwks, hs256Secret) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw ValidationError("give --jwks or --jwt-hs256-secret, not both")
        case (let jwks?, nil):
            return .init(keys: .jwks(JWKSLocation(jwks)), issuer: issuer, audience: audience)
        case (nil, let secret?):
            guard secret.utf8.count >= 32 else { throw ValidationError("--jwt-hs256-secret must be at least 32 bytes") }
            return .init(keys: .sharedSecret(secret), issuer: issuer, audience: audience)
        }
    }

    /// The token verifier for a server listening on `host`, nil when tokens are not checked:
    /// without token keys the server runs open only on a loopback address; anywhere else it
    /// refuses to start.
    func verifier(host: String) async throws -> TokenVerifier? {
        let configuration = try tokenConfiguration()
        if insecureNoAuth, configuration != nil {
            throw ValidationError("--insecure-no-auth contradicts --jwks / --jwt-hs256-secret")
        }
        guard let configuration else {
            guard Self.isLoopback(host) else {
                throw ValidationError(
                    "refusing to serve \(host) without authentication: give --jwks (or --jwt-hs256-secret for development); --insecure-no-auth is allowed only on a loopback address such as 127.0.0.1")
            }
            return nil
        }
        do {
            return try await TokenVerifier.make(configuration)
        } catch {
            throw ValidationError("bearer-token keys: \(error.description)")
        }
    }

    /// What `/.well-known/smart-configuration` announces.
    var discovery: SMARTDiscovery {
        SMARTDiscovery(issuer: issuer, jwksURL: jwks.flatMap { JWKSLocation($0) == .url($0) ? $0 : nil },
                       authorizationEndpoint: authorizationEndpointFlag ?? environment("VESTA_SMART_AUTHORIZATION_ENDPOINT"),
                       tokenEndpoint: tokenEndpointFlag ?? environment("VESTA_SMART_TOKEN_ENDPOINT"))
    }

    /// `localhost`, 127.0.0.0/8 and ::1.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
