import NIOSSL
import X509

/// The verified certificate a client presented in the TLS handshake (only with
/// `--tls-client-ca`): who the client is, for routes that map it to an identity (a device,
/// say). nil on the request context without TLS, without a client CA, or when the client sent
/// no certificate.
public struct ClientCertificate: Sendable, Equatable {
    /// The subject as RFC 4514 text, most specific attribute first (`CN=device-42,O=Acme`).
    public let subject: String
    /// The subject's common name (the last one when there are several), when it has one.
    public let commonName: String?

    public init(subject: String, commonName: String?) {
        self.subject = subject
        self.commonName = commonName
    }

    /// Reads the subject of a certificate the TLS handshake verified; nil when its DER cannot be
    /// parsed (never expected of a certificate BoringSSL accepted).
    init?(_ certificate: NIOSSLCertificate) {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        self.init(subject: parsed.subject)
    }

    init(subject name: DistinguishedName) {
        // DistinguishedName's description is RFC 4514 order (reversed) with escaping.
        subject = name.description
        commonName = name.reversed().lazy.flatMap { $0 }
            .first { $0.type == .RDNAttributeType.commonName }
            .flatMap { String($0.value) }
    }

    /// The client certificate of the connection the current task serves. The TLS channel reads
    /// it from the connection's NIOSSLHandler once, right after the handshake (the handler may
    /// only be read on the connection's event loop, which request handling is not on), and
    /// binds it around the connection's handling; HTTP/2 streams are child tasks, so they see
    /// it as well.
    @TaskLocal static var ofConnection: ClientCertificate?
}
