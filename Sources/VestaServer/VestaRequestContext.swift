import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core context plus the client's network
/// address, which audit records name, and, over TLS with a client CA, the client's verified
/// certificate.
public struct VestaRequestContext: RequestContext, RemoteAddressRequestContext, ClientCertificateRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The certificate the client presented and the server verified against `--tls-client-ca`;
    /// nil without TLS, without a client CA, or when the client sent none. Its common name
    /// identifies a device posting telemetry to `/ingest` without another credential.
    public let clientCertificate: ClientCertificate?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
        // Read from the connection's NIOSSLHandler after its handshake by SecureHTTPChannel (the
        // handler is on this channel for HTTP/1.1 and on its parent for an HTTP/2 stream, and may
        // only be read on the event loop, which this initializer is not called on).
        clientCertificate = ClientCertificate.ofConnection
    }
}

/// A request context that knows the client certificate verified for its connection.
public protocol ClientCertificateRequestContext {
    var clientCertificate: ClientCertificate? { get }
}
