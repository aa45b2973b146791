import Foundation
import NIOCore
import NIOHTTP1

/// Sends rest-hook notifications (R4 `rest-hook` channel): one POST per event, with the
/// subscription's headers, the event id in `X-Vesta-Event-Id`, and the resource as body when
/// the channel has a payload. Redirects are not followed (a redirect could lead past the
/// endpoint guard); anything but a 2xx within the timeout is a failure.
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
        // The event id replaces any header of that name the channel names.
        let channelHeaders = headers.filter { $0.name.caseInsensitiveCompare(Self.eventIdHeader) != .orderedSame }
        return try await client.send(.POST, to: endpoint, headers: channelHeaders + [(Self.eventIdHeader, eventId)],
                                     body: payload.map { ($0.contentType, ByteBuffer(string: $0.body)) })
    }
}
