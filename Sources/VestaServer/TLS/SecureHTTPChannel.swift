import HTTPTypes
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// A TLS connection that negotiates its protocol by ALPN: `h2` is served by Hummingbird's
/// HTTP/2 channel, `http/1.1` (or no ALPN) by the same HTTP/1.1 channel with websocket upgrade
/// that serves plain connections, so `/fhir/$websocket` works over TLS too (as `wss://`).
/// Hummingbird's own `.http2Upgrade` offers no websocket upgrade on its HTTP/1.1 side, hence
/// this composition. The verified client certificate, if any, is read once after the
/// handshake and bound for the connection's requests (`ClientCertificate.ofConnection`).
struct SecureHTTPChannel: ServerChildChannel {
    typealias Connection = NIONegotiatedHTTPVersion<HTTP1WebSocketUpgradeChannel.Value, HTTP2Channel.Value>

    /// What the handshake produced: the protocol's channel value and the client's certificate.
    struct Negotiated: Sendable {
        let connection: Connection
        let clientCertificate: ClientCertificate?
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    /// Raised when a client certificate passed verification but cannot be read: the connection
    /// is closed rather than served as if it had no certificate.
    struct UnreadableClientCertificate: Error {}

    private let context: NIOSSLContext
    private let http1: HTTP1WebSocketUpgradeChannel
    private let http2: HTTP2Channel

    init(context: NIOSSLContext, http1: HTTP1WebSocketUpgradeChannel, http2: HTTP2Channel) {
        self.context = context
        self.http1 = http1
        self.http2 = http2
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            // Runs on the event loop once the handshake has completed and ALPN is known.
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result, channel in
                let certificate: ClientCertificate?
                do {
                    certificate = try Self.clientCertificate(of: channel)
                } catch {
                    logger.warning("closing a TLS connection whose verified client certificate cannot be read")
                    return channel.close().flatMapThrowing { throw error }
                }
                switch result {
                case .negotiated("h2"):
                    return http2.setup(channel: channel, logger: logger).map { Negotiated(connection: .http2($0), clientCertificate: certificate) }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { Negotiated(connection: .http1_1($0), clientCertificate: certificate) }
                case .negotiated:
                    return channel.close().flatMapThrowing { throw NIOHTTP2Errors.invalidALPNToken() }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let negotiated: Negotiated
        do {
            negotiated = try await value.negotiated.get()
        } catch {
            // Failed handshakes (old TLS versions, missing or untrusted client certificates) end here.
            logger.debug("TLS connection closed before a protocol was negotiated", metadata: ["error": "\(error)"])
            return
        }
        await ClientCertificate.$ofConnection.withValue(negotiated.clientCertificate) {
            switch negotiated.connection {
            case .http1_1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        }
    }

    /// The peer's verified certificate; must run on the channel's event loop.
    private static func clientCertificate(of channel: any Channel) throws -> ClientCertificate? {
        guard let certificate = try channel.pipeline.syncOperations.nioSSL_peerCertificate() else { return nil }
        guard let parsed = ClientCertificate(certificate) else { throw UnreadableClientCertificate() }
        return parsed
    }
}

extension HTTPServerBuilder {
    /// TLS on every connection, then HTTP/2 or HTTP/1.1 by ALPN; HTTP/1.1 connections offer the
    /// websocket upgrade `shouldUpgrade` decides, exactly as the plain HTTP/1.1 server does.
    static func secure(
        _ tls: ServerTLS,
        webSocketUpgrade shouldUpgrade: @escaping @Sendable (HTTPRequest, any Channel, Logger) async throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            SecureHTTPChannel(
                context: tls.context,
                http1: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: .init(), shouldUpgrade: shouldUpgrade),
                http2: HTTP2Channel(responder: responder))
        }
    }
}
