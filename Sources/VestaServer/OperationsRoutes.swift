import FHIRStore
import Hummingbird
import Logging
import PostgresNIO

/// `/healthz` (the process is alive), `/readyz` (database reachable and schema current) and
/// `/metrics` (Prometheus exposition).
struct OperationsRoutes: Sendable {
    let client: PostgresClient
    let migrator: Migrator
    let metrics: RequestMetrics
    let logger: Logger

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        router.get("readyz") { _, _ in
            let problem: String?
            do {
                let pending = try await migrator.pending(client, logger: logger)
                problem = pending.isEmpty ? nil : "migrations pending: \(pending.joined(separator: ", "))"
            } catch {
                problem = "database unreachable"
            }
            let body = problem.map { #"{"status":"unavailable","reason":"\#($0)"}"# } ?? #"{"status":"ready"}"#
            return Response(status: problem == nil ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
