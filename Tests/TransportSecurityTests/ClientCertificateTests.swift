import NIOSSL
import Testing
@testable import VestaServer

/// The subject of a client certificate as routes see it.
@Suite struct ClientCertificateTests {
    @Test func theSubjectIsRFC4514TextMostSpecificFirst() throws {
        let certificate = try #require(try NIOSSLCertificate.fromPEMFile(Fixture.path("client.pem")).first)
        #expect(ClientCertificate(certificate) == ClientCertificate(subject: "CN=device-42,O=Acme", commonName: "device-42"))
    }

    @Test func aNameWithSpacesIsKeptWhole() throws {
        let certificate = try #require(try NIOSSLCertificate.fromPEMFile(Fixture.path("client-ca.pem")).first)
        #expect(ClientCertificate(certificate) == ClientCertificate(subject: "CN=Vesta Test Client CA,O=Vesta Test", commonName: "Vesta Test Client CA"))
    }
}
