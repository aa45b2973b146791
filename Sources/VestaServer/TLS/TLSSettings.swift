/// What `vesta serve` was told about TLS: the server's PEM files and whether clients present
/// certificates. `nil` settings mean plain HTTP/1.1, exactly as without TLS support.
public struct TLSSettings: Sendable, Equatable {
    /// Whether a client must present a certificate signed by the client CA.
    public enum ClientAuthentication: String, Sendable, CaseIterable {
        /// A client may connect without a certificate (it then needs a bearer token); one it does
        /// present must be valid.
        case optional
        /// The handshake fails without a valid client certificate.
        case required
    }

    /// The server's certificate chain, leaf first (PEM).
    public var certificateChainFile: String
    /// The private key of the leaf certificate (PEM, unencrypted).
    public var privateKeyFile: String
    /// CA certificates client certificates are verified against (PEM); nil: clients are not
    /// asked for certificates.
    public var clientCAFile: String?
    /// Only meaningful with `clientCAFile`.
    public var clientAuthentication: ClientAuthentication

    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil,
                clientAuthentication: ClientAuthentication = .optional) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
        self.clientAuthentication = clientAuthentication
    }
}
