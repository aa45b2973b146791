import Access
import FHIRCore
import Hummingbird

/// Limits how fast each client may post telemetry and search (`--ingest-rate-limit`,
/// `--search-rate-limit`): over its limit a client gets 429 with `Retry-After` and an
/// OperationOutcome. A client is its token's subject or device, else its network address.
struct RateLimitMiddleware<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let ingest: RateLimiter?
    let search: RateLimiter?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let limiter = limiter(request) else { return try await next(request, context) }
        let grant = AccessGrant.current
        let client = grant.map { $0.isUnrestricted ? nil : $0.agentID } ?? nil
        guard let wait = limiter.acquire(client ?? context.remoteAddress?.ipAddress ?? "unknown") else {
            return try await next(request, context)
        }
        let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        var response = FHIRResponses.outcome(FHIRError(.tooManyRequests, .throttled,
                                                       "Too many requests from this client; retry in \(seconds) s"))
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    private func limiter(_ request: Request) -> RateLimiter? {
        if request.method == .post, request.uri.path == "/ingest" { return ingest }
        return Self.isSearch(method: request.method, path: request.uri.path) ? search : nil
    }

    /// `GET /fhir?…`, `GET /fhir/[type]`, `POST /fhir/[type]/_search`, `GET /fhir/[type]/[id]/[type]`.
    static func isSearch(method: HTTPRequest.Method, path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.first == "fhir" else { return false }
        let isType = { (segment: Substring) in segment.first?.isUppercase == true }
        switch (method, segments.count) {
        case (.get, 1): return true
        case (.get, 2): return isType(segments[1])
        case (.post, 3): return isType(segments[1]) && segments[2] == "_search"
        case (.get, 4): return isType(segments[1]) && isType(segments[3])
        default: return false
        }
    }
}
