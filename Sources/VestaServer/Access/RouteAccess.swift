import Access
import HTTPTypes

/// The coarse rule of each route outside the FHIR API, checked before the route runs. The FHIR
/// API itself checks every interaction against the grant's scopes per type and per resource.
enum RouteAccess: Equatable {
    /// Served without a credential: health, metrics, the CapabilityStatement, SMART discovery.
    case open
    /// Needs a credential; the FHIR API checks scopes per interaction.
    case fhir
    /// `POST /ingest`: a device, or a token that may create Observations.
    case ingest
    /// Server-wide data (change feed, ingest dead letters and stats, stored mappings): a
    /// scope outside the patient context on every type, with `read` for GET, `cu` otherwise.
    case serverWide
    /// Needs a credential, nothing more (the mapping debugger reads no stored data).
    case authenticated

    static let openPaths: Set<String> = [
        "/healthz", "/readyz", "/metrics", "/fhir/metadata", "/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration",
    ]

    init(method: HTTPRequest.Method, path: String) {
        let path = String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if Self.openPaths.contains(path), method == .get || method == .head {
            self = .open
        } else if path == "/fhir" || path.hasPrefix("/fhir/") {
            self = .fhir
        } else if path == "/ingest", method == .post {
            self = .ingest
        } else if path == "/mappings/debug" {
            self = .authenticated
        } else {
            self = .serverWide
        }
    }

    /// Why `grant` may not use a route with this rule, or nil when it may.
    func refusal(_ grant: AccessGrant, method: HTTPRequest.Method) -> String? {
        if case .device = grant.caller, self != .ingest, self != .open {
            return "A device credential may only post telemetry to /ingest"
        }
        switch self {
        case .open, .fhir, .authenticated:
            return nil
        case .ingest:
            if case .device = grant.caller { return nil }
            return grant.permits(.create, on: "Observation") ? nil : "Posting telemetry needs a scope that may create Observations"
        case .serverWide:
            let needed: SMARTScope.Permissions = method == .get || method == .head ? .read : [.create, .update]
            return grant.permitsServerWide(needed) ? nil : "This endpoint needs a system/ or user/ scope on every type (e.g. system/*.read)"
        }
    }
}
