/// Settings of the HTTP server (set by `vesta serve` flags and `VESTA_*` variables).
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Public base of the FHIR API (e.g. `https://fhir.example.org/fhir`); derived from the
    /// request's Host when nil.
    public var baseURL: String?
    /// Largest accepted request body, in bytes (larger → 413).
    public var maxBodySize: Int
    /// Software version shown in the CapabilityStatement.
    public var softwareVersion: String
    /// How old an ingest batch gets before workers process it with everything pending (the
    /// bound on Observation versions per merge window; see `IngestWorker`).
    public var ingestFlushInterval: Duration
    /// What `/.well-known/smart-configuration` tells clients about the authorization server.
    public var smart: SMARTDiscovery
    /// Requests a second each client may post to `/ingest` (`--ingest-rate-limit`); 0: no limit.
    public var ingestRateLimit: Double = 0
    /// Searches a second each client may run (`--search-rate-limit`); 0: no limit.
    public var searchRateLimit: Double = 0
    /// The browser origin allowed to call the API (`--cors-origin`, `*` for any); nil: no CORS headers.
    public var corsOrigin: String?
    /// TLS (`--tls-cert`, `--tls-key`, …): HTTP/2 and HTTP/1.1 over TLS on the port; nil: plain HTTP/1.1.
    public var tls: ServerTLS?

    /// `https` with TLS, else `http`: the scheme of URLs built from the request's Host.
    public var scheme: String { tls == nil ? "http" : "https" }

    public init(host: String = "127.0.0.1", port: Int = 8080, baseURL: String? = nil, maxBodySize: Int = 16 << 20,
                softwareVersion: String = "0.1.0", ingestFlushInterval: Duration = .seconds(1), smart: SMARTDiscovery = SMARTDiscovery(),
                tls: ServerTLS? = nil) {
        self.host = host
        self.port = port
        self.baseURL = baseURL
        self.maxBodySize = maxBodySize
        self.softwareVersion = softwareVersion
        self.ingestFlushInterval = ingestFlushInterval
        self.tls = tls
        self.smart = smart
    }
}

/// The authorization server SMART clients get tokens from (Vesta verifies tokens; it does not
/// issue them), as `/.well-known/smart-configuration` announces it.
public struct SMARTDiscovery: Sendable {
    public var issuer: String?
    public var jwksURL: String?
    public var authorizationEndpoint: String?
    public var tokenEndpoint: String?

    public init(issuer: String? = nil, jwksURL: String? = nil, authorizationEndpoint: String? = nil, tokenEndpoint: String? = nil) {
        self.issuer = issuer
        self.jwksURL = jwksURL
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
    }
}
