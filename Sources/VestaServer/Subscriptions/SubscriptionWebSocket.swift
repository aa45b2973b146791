import Access
import FHIRStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import Notifications

/// The R4 websocket channel at `/fhir/$websocket`: a client sends `bind <subscription id>`
/// (once per Subscription it follows, each an active Subscription with a websocket channel)
/// and is answered `bound <id>`; then every notification arrives as `ping <id>`, after which
/// the client searches for what changed. Other HTTP requests are served as usual.
enum SubscriptionWebSocket {
    static let paths: Set<String> = ["/fhir/$websocket", "/fhir/%24websocket"]

    /// The server: plain HTTP/1.1 with the websocket upgrade, or with `tls` TLS whose ALPN picks
    /// HTTP/2 or that same HTTP/1.1 channel (so `wss://` works; HTTP/2 has no upgrade). The
    /// upgrade needs a bearer token whose scopes may read Subscriptions (when authorization is
    /// on); a refused upgrade is answered as a plain HTTP request would be.
    static func server(engine: SubscriptionEngine, store: ResourceStore, authenticator: Authenticator, tls: ServerTLS? = nil) -> HTTPServerBuilder {
        let shouldUpgrade = upgrade(engine: engine, store: store, authenticator: authenticator)
        guard let tls else { return .http1WebSocketUpgrade(shouldUpgrade: shouldUpgrade) }
        return .secure(tls, webSocketUpgrade: shouldUpgrade)
    }

    private static func upgrade(engine: SubscriptionEngine, store: ResourceStore, authenticator: Authenticator)
        -> @Sendable (HTTPRequest, any Channel, Logger) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        { request, _, _ in
            guard let path = request.path?.split(separator: "?").first, paths.contains(String(path)) else { return .dontUpgrade }
            guard let grant = try? await authenticator.grant(request.headerFields), grant.permits(.read, on: "Subscription") else {
                return .dontUpgrade
            }
            return .upgrade([:]) { inbound, outbound, _ in
                try await serve(inbound, outbound, engine: engine, store: store)
            }
        }
    }

    private static func serve(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, engine: SubscriptionEngine, store: ResourceStore
    ) async throws {
        var bindings: [(id: String, token: UUID)] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            do {
                for try await message in inbound.messages(maxSize: 4096) {
                    guard case .text(let text) = message else { continue }
                    let words = text.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    guard words.count == 2, words[0] == "bind" else {
                        try await outbound.write(.text("error expected 'bind <subscription id>'"))
                        continue
                    }
                    let id = words[1]
                    guard case .websocket? = try await SubscriptionDefinition.active(id, in: store, parser: engine.parser)?.channel else {
                        try await outbound.write(.text("error \(id) is not an active Subscription with a websocket channel"))
                        continue
                    }
                    let (token, messages) = await engine.sockets.bind(id)
                    bindings.append((id, token))
                    group.addTask {
                        for await message in messages { try await outbound.write(.text(message)) }
                    }
                }
            } catch {
                for binding in bindings { await engine.sockets.unbind(binding.id, token: binding.token) }
                throw error
            }
            for binding in bindings { await engine.sockets.unbind(binding.id, token: binding.token) }
        }
    }
}
