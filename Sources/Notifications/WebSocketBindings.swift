import Foundation

/// The websockets bound to subscriptions on this replica (R4 websocket channel: a client sends
/// `bind <id>`, the server answers `bound <id>` and then sends `ping <id>` for every event).
/// The HTTP side owns the sockets; this keeps, per subscription, the message streams feeding them.
public actor WebSocketBindings {
    private var bound: [String: [UUID: AsyncStream<String>.Continuation]] = [:]

    public init() {}

    /// Binds a socket to `subscriptionId`: the messages to send it come on the stream until `unbind`.
    public func bind(_ subscriptionId: String) -> (token: UUID, messages: AsyncStream<String>) {
        let (messages, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(64))
        let token = UUID()
        bound[subscriptionId, default: [:]][token] = continuation
        continuation.yield("bound \(subscriptionId)")
        return (token, messages)
    }

    public func unbind(_ subscriptionId: String, token: UUID) {
        bound[subscriptionId]?.removeValue(forKey: token)?.finish()
        if bound[subscriptionId]?.isEmpty == true { bound[subscriptionId] = nil }
    }

    /// Sends `ping <id>` to every socket bound to the subscription here; how many there were.
    @discardableResult
    func ping(_ subscriptionId: String) -> Int {
        let sockets = bound[subscriptionId] ?? [:]
        for continuation in sockets.values { continuation.yield("ping \(subscriptionId)") }
        return sockets.count
    }
}
