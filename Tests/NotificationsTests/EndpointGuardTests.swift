import Foundation
import Testing
@testable import Notifications

/// The SSRF guard of rest-hook endpoints: https only, and no address of the server's own networks.
@Suite struct EndpointGuardTests {
    @Test func nonPublicAddressesAndPlainHTTPAreRefused() throws {
        let guarded = EndpointGuard(allowPrivate: false)
        for url in ["https://10.1.2.3/x", "https://172.20.0.1/x", "https://192.168.1.1/x", "https://169.254.169.254/latest",
                    "https://100.64.0.1/x", "https://[::1]/x", "https://[fe80::1]/x", "https://[::ffff:127.0.0.1]/x", "https://0.0.0.0/x",
                    "http://alerts.example.org/hook", "https://localhost:8443/x", "https://api.localhost/x"] {
            #expect(guarded.refusal(of: try #require(URL(string: url))) != nil, "\(url)")
        }
        for url in ["https://8.8.8.8/x", "https://[2001:4860:4860::8888]/x", "https://alerts.example.org/hook"] {
            #expect(guarded.refusal(of: try #require(URL(string: url))) == nil, "\(url)")
        }
        #expect(EndpointGuard(allowPrivate: true).refusal(of: try #require(URL(string: "http://127.0.0.1:8080/x"))) == nil)
    }

    @Test func addressesAreClassifiedByTheirRanges() {
        #expect(!EndpointGuard.isPublic([172, 31, 255, 255]) && EndpointGuard.isPublic([172, 32, 0, 1]))
        #expect(!EndpointGuard.isPublic([100, 127, 0, 1]) && EndpointGuard.isPublic([100, 128, 0, 1]))
        #expect(!EndpointGuard.isPublic([224, 0, 0, 1]) && !EndpointGuard.isPublic([255, 255, 255, 255]))
        #expect(EndpointGuard.resolve("192.0.2.7", numericOnly: true) == [[192, 0, 2, 7]])
        #expect(EndpointGuard.resolve("alerts.example.org", numericOnly: true).isEmpty)
    }
}
