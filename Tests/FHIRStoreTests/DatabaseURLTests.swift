import FHIRCore
@testable import FHIRStore
import Testing

@Suite struct DatabaseURLTests {
    @Test func parsesHostPortUserDatabase() throws {
        let configuration = try DatabaseURL.configuration(from: "postgres://alice:s%40cret@db.example:6543/fhir")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "alice")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == "fhir")
    }

    @Test func socketDirectoryInTheQuery() throws {
        let configuration = try DatabaseURL.configuration(from: "postgresql://vesta@/vesta?host=/run/postgresql")
        #expect(configuration.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
    }

    @Test func rejectsOtherSchemesAndSSLModes() {
        #expect(throws: DatabaseURLError.self) { try DatabaseURL.configuration(from: "mysql://x@y/z") }
        #expect(throws: DatabaseURLError.self) { try DatabaseURL.configuration(from: "postgres://x@y/z?sslmode=prefer") }
    }
}

@Suite struct JSONBFidelityTests {
    @Test func flagsNumbersJSONBWouldRewrite() {
        #expect(JSONBFidelity.preservesNumbers(["a": .number("1.50"), "b": [.number("-2"), .number("0.0000001")]]))
        #expect(!JSONBFidelity.preservesNumbers(["a": .number("1E+2")]))
        #expect(!JSONBFidelity.preservesNumbers(["a": [["b": .number("-0.0")]]]))
        #expect(!JSONBFidelity.preservesNumbers(.number("-0")))
    }
}
