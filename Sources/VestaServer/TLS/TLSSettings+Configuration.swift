import NIOSSL

extension TLSSettings {
    /// The ALPN protocols offered, in preference order: HTTP/2, then HTTP/1.1 on the same port
    /// (clients that negotiate nothing get HTTP/1.1 too).
    public static let applicationProtocols = ["h2", "http/1.1"]

    /// TLS 1.2 cipher suites: forward secrecy (ECDHE) with an AEAD cipher only, no CBC, no RSA key
    /// exchange. TLS 1.3 suites are not configurable in BoringSSL and all qualify.
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The server's TLS: TLS 1.2 or newer (swift-nio-ssl would allow 1.0), the cipher suites
    /// above, ALPN for HTTP/2 and HTTP/1.1, and client-certificate verification against the
    /// client CA when one is given. Every file is read and checked now, so a bad file stops the
    /// start with a message naming it instead of failing each handshake later.
    public func load() throws(TLSSetupError) -> ServerTLS {
        let chain = try PEMFile(path: certificateChainFile, role: .certificateChain).certificates()
        let key = try PEMFile(path: privateKeyFile, role: .privateKey).privateKey()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = Self.tls12CipherSuites
        configuration.applicationProtocols = Self.applicationProtocols
        if let clientCAFile {
            configuration.trustRoots = .certificates(try PEMFile(path: clientCAFile, role: .clientCA).certificates())
            configuration.certificateVerification = switch clientAuthentication {
            case .optional: .optionalVerification
            case .required: .noHostnameVerification
            }
            // Tell clients which CAs are accepted, so they can pick the right certificate.
            configuration.sendCANameList = true
        }
        do {
            return ServerTLS(configuration: configuration, context: try NIOSSLContext(configuration: configuration))
        } catch NIOSSLError.failedToLoadPrivateKey {
            throw .rejected(certificateFile: certificateChainFile, privateKeyFile: privateKeyFile,
                            reason: "the private key does not belong to the certificate")
        } catch {
            throw .rejected(certificateFile: certificateChainFile, privateKeyFile: privateKeyFile, reason: "\(error)")
        }
    }
}
