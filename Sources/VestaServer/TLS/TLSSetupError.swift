/// Why the TLS settings cannot be used; each names the file at fault so the operator can fix
/// it before the server starts.
public enum TLSSetupError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(file: String, role: TLSFileRole, reason: String)
    /// The file holds no usable PEM of the expected kind.
    case invalidPEM(file: String, role: TLSFileRole)
    /// Each file is valid on its own, but the TLS library refuses them together (typically a
    /// private key that does not belong to the certificate).
    case rejected(certificateFile: String, privateKeyFile: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let role, let reason):
            return "cannot read the \(role) file \(file): \(reason)"
        case .invalidPEM(let file, let role):
            return "the \(role) file \(file) holds no valid PEM \(role.expectedContent)"
        case .rejected(let certificateFile, let privateKeyFile, let reason):
            return "the certificate \(certificateFile) and the private key \(privateKeyFile) cannot be used together: \(reason)"
        }
    }
}

/// Which of the TLS files an error is about.
public enum TLSFileRole: String, Sendable, Equatable, CustomStringConvertible {
    case certificateChain = "certificate chain (--tls-cert)"
    case privateKey = "private key (--tls-key)"
    case clientCA = "client CA (--tls-client-ca)"

    public var description: String { rawValue }

    var expectedContent: String {
        switch self {
        case .certificateChain, .clientCA: "certificate"
        case .privateKey: "private key (unencrypted)"
        }
    }
}
