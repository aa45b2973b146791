import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

/// A rest-hook endpoint for the tests: a live HTTP server on a loopback port that records every
/// notification it accepts, and can be told to fail (503) to simulate an outage.
actor WebhookReceiver {
    struct Notification: Sendable {
        let eventId: String
        let body: String
        let authorization: String?
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
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let notification = Notification(eventId: request.headers[HTTPField.Name("X-Vesta-Event-Id")!] ?? "",
                                            body: String(buffer: body), authorization: request.headers[.authorization])
            return Response(status: await receiver.receive(notification) ? .ok : .serviceUnavailable)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            .test(.live) { client in
                let port = try #require(client.port)
                try await work(receiver, "http://127.0.0.1:\(port)/hook")
            }
    }
}
