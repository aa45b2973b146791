import NIOSSL

/// TLS ready to serve, built by `TLSSettings.load()`: the configuration (inspectable) and the
/// BoringSSL context every connection's handshake uses.
public struct ServerTLS: Sendable {
    public let configuration: TLSConfiguration
    let context: NIOSSLContext
}
