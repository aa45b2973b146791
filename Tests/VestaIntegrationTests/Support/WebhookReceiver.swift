import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// A webhook endpoint for the tests (rest-hooks, change-feed sinks): a live HTTP server on a
/// loopback port that records every request it accepts — a POST to `/hook`, or a DELETE of
/// `/hook/<type>/<id>` — and can be told to fail (503) to simulate an outage.
actor WebhookReceiver {
    struct Notification: Sendable {
        let method: HTTPRequest.Method
        /// The path below the endpoint (`/Observation/o1` for a DELETE), empty for a POST.
        let path: String
        let eventId: String
        let body: String
        let authorization: String?
        let contentType: String?
    }

    private(set) var accepted: [Notification] = []
    /// Requests answered 503 while `failing`.
    private(set) var refused = 0
    var failing = false

    func setFailing(_ failing: Bool) {
        self.failing = failing
    }

    fileprivate func receive(_ notification: Notification) -> Bool {
        if failing {
            refused += 1
            return false
        }
        accepted.append(notification)
        return true
    }

    /// Runs `work` while the receiver listens; `work` gets the endpoint URL to subscribe with.
    static func listening(_ work: @escaping @Sendable (WebhookReceiver, String) async throws -> Void) async throws {
        let receiver = WebhookReceiver()
        let router = Router()
        @Sendable func record(_ request: Request) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let notification = Notification(
                method: request.method, path: String(request.uri.path.dropFirst("/hook".count)),
                eventId: request.headers[HTTPField.Name("X-Vesta-Event-Id")!] ?? "", body: String(buffer: body),
                authorization: request.headers[.authorization], contentType: request.headers[.contentType])
            return Response(status: await receiver.receive(notification) ? .ok : .serviceUnavailable)
        }
        router.post("hook") { request, _ in try await record(request) }
        router.delete("hook/:type/:id") { request, _ in try await record(request) }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            .test(.live) { client in
                let port = try #require(client.port)
                try await work(receiver, "http://127.0.0.1:\(port)/hook")
            }
    }
}
