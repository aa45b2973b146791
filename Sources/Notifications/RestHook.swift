import Foundation
import NIOCore
import NIOHTTP1

/// Sends rest-hook notifications (R4 `rest-hook` channel): one POST per event, with the
/// subscription's headers, the event id in `X-Vesta-Event-Id`, and the resource as body when
/// the channel has a payload; a deletion on a channel with a payload is, as HAPI FHIR sends it,
/// a DELETE of `<endpoint>/<type>/<id>`. Redirects are not followed (a redirect could lead past
/// the endpoint guard); anything but a 2xx within the timeout is a failure.
public struct RestHook: Sendable {
    let client: WebhookClient

    /// The header carrying the stable event id (`<subscription id>:<event number>`).
    public static let eventIdHeader = "X-Vesta-Event-Id"

    public init(timeout: Duration = .seconds(10)) {
        client = WebhookClient(timeout: timeout)
    }

    /// Posts one notification; returns the endpoint's 2xx status, or throws `WebhookFailure`.
    func post(to endpoint: URL, headers: [(name: String, value: String)], eventId: String,
              payload: (contentType: String, body: String)?) async throws(WebhookFailure) -> Int {
        try await client.send(.POST, to: endpoint, headers: Self.headers(headers, eventId: eventId),
                              body: payload.map { ($0.contentType, ByteBuffer(string: $0.body)) })
    }

    /// Notifies the deletion of `type/id` to a channel with a payload: `DELETE <endpoint>/<type>/<id>`
    /// without body; returns the endpoint's 2xx status, or throws `WebhookFailure`.
    func delete(_ type: String, id: String, at endpoint: URL, headers: [(name: String, value: String)],
                eventId: String) async throws(WebhookFailure) -> Int {
        try await client.send(.DELETE, to: endpoint.appendingPathComponent(type).appendingPathComponent(id),
                              headers: Self.headers(headers, eventId: eventId), body: nil)
    }

    /// The channel's headers and the event id, which replaces any header of that name the channel names.
    private static func headers(_ channel: [(name: String, value: String)], eventId: String) -> [(name: String, value: String)] {
        channel.filter { $0.name.caseInsensitiveCompare(eventIdHeader) != .orderedSame } + [(eventIdHeader, eventId)]
    }
}
