import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
@testable import VestaServer

/// The TLS server over real sockets: HTTP/2 and HTTP/1.1 by ALPN on one port, the websocket
/// upgrade on HTTP/1.1, TLS versions and client certificates, and the certificate's subject on
/// the request context.
@Suite struct SecureServerTests {
    static let server = TLSSettings(certificateChainFile: Fixture.path("server.pem"), privateKeyFile: Fixture.path("server-key.pem"))

    /// `/whoami` answers the context's client-certificate subject; `/echo` is a websocket that
    /// answers `echo <text>`.
    static func application(_ settings: TLSSettings) throws -> some ApplicationProtocol {
        let router = Router(context: VestaRequestContext.self)
        router.get("whoami") { _, context in context.clientCertificate?.subject ?? "anonymous" }
        let server = HTTPServerBuilder.secure(try settings.load()) { request, _, _ in
            guard request.path == "/echo" else { return .dontUpgrade }
            return .upgrade([:]) { inbound, outbound, _ in
                for try await case .text(let text) in inbound.messages(maxSize: 1024) {
                    try await outbound.write(.text("echo \(text)"))
                }
            }
        }
        return Application(router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           logger: Logger(label: "tls-test"))
    }

    /// A client trusting the test server certificate, presenting the test client certificate when asked to.
    static func client(presentingCertificate: Bool = false) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(Fixture.path("server.pem")))
        if presentingCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(Fixture.path("client.pem")).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: Fixture.path("client-key.pem"), format: .pem))
        }
        return configuration
    }

    /// GET `https://localhost:port/path`: the HTTP version used and the body.
    static func get(port: Int, _ path: String, tls: TLSConfiguration, http1Only: Bool = false, timeout: TimeAmount = .seconds(10)) async throws -> (HTTPVersion, String) {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        if http1Only { configuration.httpVersion = .http1Only }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(HTTPClientRequest(url: "https://localhost:\(port)\(path)"), timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 16)
            try await client.shutdown()
            return (response.version, String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Why a GET's handshake failed ("" when it succeeded). The client retries a failed
    /// connection until the deadline, then reports the server's alert.
    static func refusal(port: Int, tls: TLSConfiguration) async -> String {
        do {
            _ = try await get(port: port, "/whoami", tls: tls, timeout: .seconds(2))
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func http2AndHTTP11AreServedOnOnePort() async throws {
        try await Self.application(Self.server).test(.ahc(.https)) { http in
            let port = try #require(http.port)
            let h2 = try await Self.get(port: port, "/whoami", tls: try Self.client())
            #expect(h2.0 == .http2 && h2.1 == "anonymous")
            let h1 = try await Self.get(port: port, "/whoami", tls: try Self.client(), http1Only: true)
            #expect(h1.0 == .http1_1 && h1.1 == "anonymous")
        }
    }

    @Test func tls11IsRefused() async throws {
        try await Self.application(Self.server).test(.ahc(.https)) { http in
            let port = try #require(http.port)
            var old = try Self.client()
            old.minimumTLSVersion = .tlsv1
            old.maximumTLSVersion = .tlsv11
            let refusal = await Self.refusal(port: port, tls: old)
            #expect(refusal.contains("PROTOCOL_VERSION"), "\(refusal)")
            var tls12 = try Self.client()
            tls12.maximumTLSVersion = .tlsv12
            #expect(try await Self.get(port: port, "/whoami", tls: tls12).1 == "anonymous")
        }
    }

    @Test func theVerifiedClientCertificateReachesTheContextOverBothProtocols() async throws {
        var settings = Self.server
        settings.clientCAFile = Fixture.path("client-ca.pem")
        try await Self.application(settings).test(.ahc(.https)) { http in
            let port = try #require(http.port)
            let device = try Self.client(presentingCertificate: true)
            #expect(try await Self.get(port: port, "/whoami", tls: device) == (.http2, "CN=device-42,O=Acme"))
            #expect(try await Self.get(port: port, "/whoami", tls: device, http1Only: true) == (.http1_1, "CN=device-42,O=Acme"))
            // Optional: a client without certificate still connects.
            #expect(try await Self.get(port: port, "/whoami", tls: try Self.client()).1 == "anonymous")
        }
    }

    @Test func requiredClientAuthenticationRefusesAHandshakeWithoutCertificate() async throws {
        var settings = Self.server
        settings.clientCAFile = Fixture.path("client-ca.pem")
        settings.clientAuthentication = .required
        try await Self.application(settings).test(.ahc(.https)) { http in
            let port = try #require(http.port)
            // In TLS 1.3 the server's alert arrives after the client finished its handshake: the
            // client sees the connection closed.
            let anonymous = await Self.refusal(port: port, tls: try Self.client())
            #expect(!anonymous.isEmpty && !anonymous.contains("deadline"), "\(anonymous)")
            #expect(try await Self.get(port: port, "/whoami", tls: try Self.client(presentingCertificate: true)).1 == "CN=device-42,O=Acme")
        }
    }

    @Test func theWebSocketUpgradeWorksOverTLS() async throws {
        try await Self.application(Self.server).test(.ahc(.https)) { http in
            let port = try #require(http.port)
            let (replies, reply) = AsyncStream.makeStream(of: String.self)
            try await WebSocketClient.connect(url: "wss://localhost:\(port)/echo", tlsConfiguration: try Self.client(),
                                              logger: Logger(label: "tls-test")) { inbound, outbound, _ in
                try await outbound.write(.text("hello"))
                for try await case .text(let text) in inbound.messages(maxSize: 1024) {
                    reply.yield(text)
                    break
                }
                reply.finish()
            }
            var iterator = replies.makeAsyncIterator()
            #expect(await iterator.next() == "echo hello")
        }
    }
}
