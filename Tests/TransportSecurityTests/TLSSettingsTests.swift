import NIOSSL
import Testing
@testable import VestaServer

/// Building the server's TLS from PEM files: the policy it enforces and the errors a bad file gives.
@Suite struct TLSSettingsTests {
    static let server = TLSSettings(certificateChainFile: Fixture.path("server.pem"), privateKeyFile: Fixture.path("server-key.pem"))

    @Test func theConfigurationAllowsTLS12AndNewerModernSuitesAndOffersHTTP2ThenHTTP11() throws {
        let configuration = try Self.server.load().configuration
        #expect(configuration.minimumTLSVersion == .tlsv12)
        #expect(configuration.maximumTLSVersion == nil)
        #expect(configuration.applicationProtocols == ["h2", "http/1.1"])
        #expect(Set(configuration.cipherSuiteValues) == Set(TLSSettings.tls12CipherSuites))
        #expect(configuration.cipherSuites.split(separator: ":").allSatisfy { $0.contains("ECDHE") && ($0.contains("GCM") || $0.contains("CHACHA20")) })
        #expect(configuration.certificateVerification == .none)
    }

    @Test func aClientCAMakesCertificatesOptionalOrRequired() throws {
        var settings = Self.server
        settings.clientCAFile = Fixture.path("client-ca.pem")
        let optional = try settings.load().configuration
        #expect(optional.certificateVerification == .optionalVerification)
        #expect(optional.trustRoots == .certificates(try NIOSSLCertificate.fromPEMFile(Fixture.path("client-ca.pem"))))
        #expect(optional.sendCANameList)
        settings.clientAuthentication = .required
        #expect(try settings.load().configuration.certificateVerification == .noHostnameVerification)
    }

    @Test func aMissingFileIsNamed() {
        let settings = TLSSettings(certificateChainFile: "/nonexistent/cert.pem", privateKeyFile: Fixture.path("server-key.pem"))
        #expect(throws: TLSSetupError.unreadable(file: "/nonexistent/cert.pem", role: .certificateChain, reason: "no such file")) {
            try settings.load()
        }
    }

    @Test func filesWithoutValidPEMAreNamedWithTheirRole() {
        let garbage = Fixture.path("not-pem.txt")
        #expect(throws: TLSSetupError.invalidPEM(file: garbage, role: .certificateChain)) {
            try TLSSettings(certificateChainFile: garbage, privateKeyFile: Fixture.path("server-key.pem")).load()
        }
        #expect(throws: TLSSetupError.invalidPEM(file: garbage, role: .privateKey)) {
            try TLSSettings(certificateChainFile: Fixture.path("server.pem"), privateKeyFile: garbage).load()
        }
        // A certificate where the key belongs, and a key where a CA bundle belongs.
        #expect(throws: TLSSetupError.invalidPEM(file: Fixture.path("server.pem"), role: .privateKey)) {
            try TLSSettings(certificateChainFile: Fixture.path("server.pem"), privateKeyFile: Fixture.path("server.pem")).load()
        }
        var settings = Self.server
        settings.clientCAFile = Fixture.path("client-key.pem")
        #expect(throws: TLSSetupError.invalidPEM(file: Fixture.path("client-key.pem"), role: .clientCA)) { try settings.load() }
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let settings = TLSSettings(certificateChainFile: Fixture.path("server.pem"), privateKeyFile: Fixture.path("other-key.pem"))
        let error = try #require(throws: TLSSetupError.self) { try settings.load() }
        guard case .rejected(let certificate, let key, _) = error else {
            Issue.record("expected .rejected, got \(error)")
            return
        }
        #expect(certificate == Fixture.path("server.pem") && key == Fixture.path("other-key.pem"))
    }

    @Test func errorMessagesNameTheFileAndTheOption() {
        let message = TLSSetupError.invalidPEM(file: "/etc/vesta/key.pem", role: .privateKey).description
        #expect(message == "the private key (--tls-key) file /etc/vesta/key.pem holds no valid PEM private key (unencrypted)")
    }
}
