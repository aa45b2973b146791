import Foundation
import NIOSSL

/// One PEM file named by a TLS option, read once and parsed as its role needs; every failure
/// becomes a `TLSSetupError` naming the file.
struct PEMFile {
    let path: String
    let role: TLSFileRole
    private let bytes: [UInt8]

    init(path: String, role: TLSFileRole) throws(TLSSetupError) {
        self.path = path
        self.role = role
        var isDirectory: ObjCBool = false
        // Foundation reports reading a directory only as a generic error.
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(file: path, role: role, reason: "it is a directory")
        }
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadable(file: path, role: role, reason: Self.reason(error))
        }
    }

    /// Every certificate in the file, in order; at least one.
    func certificates() throws(TLSSetupError) -> [NIOSSLCertificate] {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            throw .invalidPEM(file: path, role: role)
        }
        return certificates
    }

    /// The file's private key (unencrypted PEM).
    func privateKey() throws(TLSSetupError) -> NIOSSLPrivateKey {
        guard let key = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) else { throw .invalidPEM(file: path, role: role) }
        return key
    }

    private static func reason(_ error: any Error) -> String {
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?: "no such file"
        case .fileReadNoPermission?: "permission denied"
        default: (error as NSError).localizedDescription
        }
    }
}
