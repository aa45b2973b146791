import ArgumentParser
import VestaServer

/// `--tls-cert`, `--tls-key`, `--tls-client-ca`, `--tls-client-auth`: serve HTTPS (HTTP/2 and
/// HTTP/1.1 by ALPN on the one port) instead of plain HTTP, optionally verifying client
/// certificates.
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"),
            help: "PEM certificate chain, leaf first; with --tls-key turns TLS on (VESTA_TLS_CERT).")
    var certificateFlag: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (VESTA_TLS_KEY).")
    var privateKeyFlag: String?

    @Option(name: .customLong("tls-client-ca"),
            help: "PEM CA bundle client certificates are verified against; clients are then asked for one (VESTA_TLS_CLIENT_CA).")
    var clientCAFlag: String?

    @Option(name: .customLong("tls-client-auth"),
            help: "With --tls-client-ca: optional (a client without certificate still connects, and needs a bearer token) or required (no handshake without a valid certificate) (VESTA_TLS_CLIENT_AUTH; default optional).")
    var clientAuthenticationFlag: TLSSettings.ClientAuthentication?

    var certificate: String? { certificateFlag ?? environment("VESTA_TLS_CERT") }
    var privateKey: String? { privateKeyFlag ?? environment("VESTA_TLS_KEY") }
    var clientCA: String? { clientCAFlag ?? environment("VESTA_TLS_CLIENT_CA") }

    var clientAuthentication: TLSSettings.ClientAuthentication? {
        get throws {
            if let clientAuthenticationFlag { return clientAuthenticationFlag }
            guard let text = environment("VESTA_TLS_CLIENT_AUTH") else { return nil }
            guard let mode = TLSSettings.ClientAuthentication(rawValue: text) else {
                throw ValidationError("VESTA_TLS_CLIENT_AUTH must be optional or required, not '\(text)'")
            }
            return mode
        }
    }

    /// The TLS settings, nil when TLS is off; refuses combinations that would silently serve
    /// less security than asked for.
    var settings: TLSSettings? {
        get throws {
            let clientAuthentication = try clientAuthentication
            guard let certificate, let privateKey else {
                if certificate != nil || privateKey != nil {
                    throw ValidationError("--tls-cert (VESTA_TLS_CERT) and --tls-key (VESTA_TLS_KEY) go together: give both, or neither for plain HTTP")
                }
                if clientCA != nil {
                    throw ValidationError("--tls-client-ca (VESTA_TLS_CLIENT_CA) needs TLS: give --tls-cert and --tls-key too")
                }
                if clientAuthentication != nil {
                    throw ValidationError("--tls-client-auth (VESTA_TLS_CLIENT_AUTH) needs TLS with a client CA: give --tls-cert, --tls-key and --tls-client-ca")
                }
                return nil
            }
            if clientAuthentication != nil, clientCA == nil {
                throw ValidationError("--tls-client-auth (VESTA_TLS_CLIENT_AUTH) needs --tls-client-ca (VESTA_TLS_CLIENT_CA) to verify certificates against")
            }
            return TLSSettings(certificateChainFile: certificate, privateKeyFile: privateKey, clientCAFile: clientCA,
                               clientAuthentication: clientAuthentication ?? .optional)
        }
    }

    func validate() throws {
        _ = try settings
    }

    /// Reads and checks the PEM files; nil when TLS is off.
    func load() throws -> ServerTLS? {
        guard let settings = try settings else { return nil }
        do {
            return try settings.load()
        } catch {
            throw ValidationError(error.description)
        }
    }
}

extension TLSSettings.ClientAuthentication: ExpressibleByArgument {}
