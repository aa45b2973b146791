import Hummingbird
import Logging
import Prometheus

/// Prometheus metrics of the HTTP API: requests by FHIR interaction and status, and latency.
public struct RequestMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// `vesta_http_requests_total`
    private static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "http", metricName: "requests", unitName: "total",
                             helpText: "HTTP requests by FHIR interaction and response status")
    }
    /// `vesta_http_request_duration_seconds`
    private static var latency: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                             helpText: "HTTP request latency by FHIR interaction")
    }

    func record(interaction: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("interaction", interaction), ("status", String(status))])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("interaction", interaction)], buckets: Self.buckets)
            .record(duration)
    }

    /// The exposition text of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Logs one line per request (method, route pattern, status, duration; never the query string or
/// body, which may carry PHI) and records its metrics. Outermost, so it sees the final status.
struct RequestObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        let interaction = FHIRInteraction.name(method: request.method, route: route)
        metrics.record(interaction: interaction, status: response.status.code, duration: elapsed)
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "route": "\(route)", "interaction": "\(interaction)",
            "status": "\(response.status.code)", "ms": "\(Self.milliseconds(elapsed))",
        ])
        return response
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// Names the FHIR interaction a request performs, from its method and matched route pattern.
enum FHIRInteraction {
    static func name(method: HTTPRequest.Method, route: String) -> String {
        let segments = route.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "*" : String($0) }
        switch (method, segments) {
        case (.get, ["fhir", "metadata"]): return "capabilities"
        case (.get, ["fhir"]): return "search-system"
        case (.post, ["fhir", "*", "_search"]): return "search-type"
        case (.get, ["fhir", "_history"]): return "history-system"
        case (.get, ["fhir", "*"]): return "search-type"
        case (.post, ["fhir", "*"]): return "create"
        case (.post, ["fhir"]): return "batch"
        case (.get, ["fhir", "*", "_history"]): return "history-type"
        case (.get, ["fhir", "*", "*"]): return "read"
        case (.put, ["fhir", "*", "*"]): return "update"
        case (.patch, ["fhir", "*", "*"]): return "patch"
        case (.delete, ["fhir", "*", "*"]): return "delete"
        case (.post, ["fhir", "*", "*"]), (.post, ["fhir", "*", "*", "*"]): return "operation"
        case (.get, ["fhir", "*", "*", "_history"]): return "history-instance"
        case (.get, ["fhir", "*", "*", "*"]): return "operation"
        case (.get, ["fhir", "*", "*", "_history", "*"]): return "vread"
        case (_, ["healthz"]), (_, ["readyz"]), (_, ["metrics"]): return "ops"
        case (_, let segments) where segments.first == "ingest": return "ingest"
        case (.post, ["mappings", "debug"]): return "mapping-debug"
        default: return "other"
        }
    }
}
