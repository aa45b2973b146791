import FHIRCore
import FHIRStore
import Foundation
import PostgresNIO
import Testing

@Suite struct OperationsTests {
    @Test func healthAndReadiness() async throws {
        let client = try await FHIRTestClient.make()
        #expect(try await client.send(.get, "/healthz").status == .ok)
        let ready = try await client.send(.get, "/readyz")
        #expect(ready.status == .ok)
        #expect(ready.text.contains("ready"))
    }

    @Test func metricsCountRequestsByInteraction() async throws {
        let client = try await FHIRTestClient.make()
        _ = try await client.send(.get, "/fhir/Patient/\(uniqueId())")
        let metrics = try await client.send(.get, "/metrics")
        #expect(metrics.status == .ok)
        #expect(metrics.text.contains(#"vesta_http_requests_total{interaction="read",status="404"}"#))
        #expect(metrics.text.contains("vesta_http_request_duration_seconds_bucket"))
    }

    @Test func capabilityStatementDescribesWhatIsServed() async throws {
        let client = try await FHIRTestClient.make()
        let metadata = try await client.send(.get, "/fhir/metadata")
        #expect(metadata.status == .ok)
        #expect(metadata.headers[.contentType]?.hasPrefix("application/fhir+json") == true)
        #expect(metadata.object["resourceType"] == "CapabilityStatement")
        #expect(metadata.object["fhirVersion"] == "4.0.1")
        #expect(metadata.object["format"]?.arrayValue?.contains("json") == true)
        let resources = metadata.object["rest"]?[0]?["resource"]?.arrayValue ?? []
        #expect(resources.count == client.environment.definitions.resourceTypes.count)
        #expect(resources.contains { $0["type"] == "Observation" })
        let issues = client.environment.definitions
        #expect(StructuralValidatorCheck.errors(in: try #require(metadata.json), definitions: issues).isEmpty)

        let rest = try #require(metadata.object["rest"]?[0])
        #expect(Set(rest["interaction"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? [])
            == ["transaction", "batch", "search-system", "history-system"])
        #expect(rest["security"] == nil, "an open server announces no security service")
        func entry(_ type: String) throws -> JSONValue { try #require(resources.first { $0["type"]?.stringValue == type }) }
        func codes(_ entry: JSONValue, _ key: String, _ field: String) -> Set<String> {
            Set(entry[key]?.arrayValue?.compactMap { $0[field]?.stringValue } ?? [])
        }
        let observation = try entry("Observation")
        #expect(codes(observation, "interaction", "code").isSuperset(of: ["create", "search-type", "patch", "delete"]))
        #expect(observation["conditionalCreate"] == true && observation["conditionalUpdate"] == true)
        #expect(observation["conditionalDelete"] == "single")
        let parameters = observation["searchParam"]?.arrayValue ?? []
        #expect(parameters.contains { $0["name"] == "code" && $0["type"] == "token"
            && $0["definition"] == "http://hl7.org/fhir/SearchParameter/clinical-code" })
        #expect(!codes(observation, "searchParam", "name").contains("_text"), "parameters without an expression are not offered")
        #expect(codes(observation, "operation", "name") == ["validate", "lastn"])
        #expect(codes(try entry("Patient"), "operation", "name") == ["validate", "everything"])
        // AuditEvents are read and searched, never written.
        let audit = try entry("AuditEvent")
        #expect(codes(audit, "interaction", "code") == ["read", "vread", "search-type", "history-instance", "history-type"])
        #expect(codes(audit, "searchParam", "name").isSuperset(of: ["patient", "date", "agent", "entity", "action", "outcome"]))
    }

    @Test func validateOperationReportsWithoutWriting() async throws {
        let client = try await FHIRTestClient.make()
        let good = try await client.send(.post, "/fhir/Patient/$validate", body: #"{"resourceType":"Patient","gender":"male"}"#)
        #expect(good.status == .ok)
        #expect(good.object["issue"]?[0]?["severity"] == "information")
        let bad = try await client.send(.post, "/fhir/Patient/$validate", body: #"{"resourceType":"Patient","gender":"mail"}"#)
        #expect(bad.status == .unprocessableContent)
        #expect(bad.issueExpressions == ["Patient.gender"])
        let wrapped = try await client.send(.post, "/fhir/Patient/$validate",
                                            body: #"{"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","foo":1}}]}"#)
        #expect(wrapped.status == .unprocessableContent)
        #expect(wrapped.issueExpressions == ["Patient.foo"])
    }

    /// Migrations run once: a second run, even concurrent ones, applies nothing.
    @Test func migrationsAreIdempotentAndSafeConcurrently() async throws {
        let environment = try await TestDatabase.shared.start()
        let migrator = environment.migrator
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<3 { group.addTask { try await migrator.migrate(environment.client, logger: environment.logger) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.isEmpty })
        #expect(try await migrator.pending(environment.client, logger: environment.logger).isEmpty)
        let applied = try await FHIRTestClient.make().count("SELECT count(*) FROM schema_migrations")
        #expect(applied == migrator.migrations.count)
    }
}

import FHIRDefinitions

enum StructuralValidatorCheck {
    static func errors(in value: JSONValue, definitions: FHIRDefinitions) -> [OperationOutcome.Issue] {
        StructuralValidator(definitions: definitions).validate(value).filter { $0.severity == .error }
    }
}
