import FHIRCore
import FHIRStore
import Hummingbird
import Logging
import Notifications
import PostgresNIO

/// `GET /events?after=<cursor>&_count=N&wait=S`: every committed create, update and delete as a
/// CloudEvents 1.0 event, in the change log's reading order, with the cursor to continue
/// from. Nothing but ids, versions and times (no PHI). Replay starts from any cursor handed
/// out before (`after` absent: from the first change). With `wait`, an empty answer waits up
/// to that many seconds (at most 30) for the next change: long polling. A waiting request
/// looks again when this process commits a change, and every `pollInterval` for other replicas'.
struct EventFeedRoutes: Sendable {
    let client: PostgresClient
    let changes: ChangeSignal
    /// Writes the changes as CloudEvents (as the webhook sinks receive them).
    let renderer: ChangeEventRenderer
    let logger: Logger

    static let defaultCount = 100
    static let maximumWait = 30.0
    static let pollInterval = Duration.milliseconds(100)

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("events") { request, _ in try await events(request) }
    }

    private func events(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var position = ChangePosition.start
        if let after = query.get("after") {
            guard let cursor = ChangePosition(cursor: after) else {
                throw FHIRError.badRequest("after must be a cursor this feed returned", expression: ["after"])
            }
            position = cursor
        }
        let count = try RequestParsing.count(request, default: Self.defaultCount, maximum: 1000)
        var wait = 0.0
        if let text = query.get("wait") {
            guard let seconds = Double(text), seconds >= 0 else {
                throw FHIRError.badRequest("wait must be a number of seconds", expression: ["wait"])
            }
            wait = min(seconds, Self.maximumWait)
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
        var changes: [Change] = []
        while true {
            let rings = self.changes.rings()  // listening before the read: a commit in between is not missed
            changes = try await ChangeLog.read(after: position, limit: count, on: client, logger: logger)
            let left = deadline - ContinuousClock.now
            guard changes.isEmpty, left > .zero else { break }
            await ChangeSignal.nextRing(of: rings, within: min(Self.pollInterval, left))
            try Task.checkCancellation()
        }
        let next = changes.last?.position ?? position
        let body: JSONObject = [
            "events": .array(changes.map(renderer.cloudEvent)),
            "next": .string(next.description),
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(.object(body)))))
    }
}
