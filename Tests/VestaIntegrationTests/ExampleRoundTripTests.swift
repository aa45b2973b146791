import FHIRCore
import Foundation
import Testing

/// Every official R4 example goes in through the API, comes back as it was sent, and is found by search.
@Suite struct ExampleRoundTripTests {
    static let exampleFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.examples.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test func allExamplesArePresent() {
        #expect(Self.exampleFiles.count == 117)
    }

    @Test(arguments: exampleFiles)
    func exampleRoundTrips(file: String) async throws {
        let client = try await FHIRTestClient.make()
        let text = try String(contentsOf: ProjectPaths.examples.appendingPathComponent(file), encoding: .utf8)
        let sent = try #require(try JSONReader.parse(text).objectValue)
        let type = try #require(sent["resourceType"]?.stringValue)
        if type == "AuditEvent" {
            // Only the server's audit log writes AuditEvents (AuditTests covers them).
            let refused = try await client.send(.post, "/fhir/AuditEvent", json: .object(sent))
            #expect(refused.status == .methodNotAllowed && refused.isOperationOutcome)
            return
        }

        // Keep the example's id when it has one (PUT); examples without one are POSTed.
        // Ids get a per-run suffix so Bundle contents and reruns never collide.
        let created: FHIRTestResponse
        var resource = sent
        if let id = sent["id"]?.stringValue {
            let newId = String("\(id)-\(uniqueId("x").suffix(8))".prefix(64))
            resource["id"] = .string(newId)
            created = try await client.send(.put, "/fhir/\(type)/\(newId)", json: .object(resource))
        } else {
            created = try await client.send(.post, "/fhir/\(type)", json: .object(resource))
        }
        #expect(created.status == .created, "\(file): \(created.diagnostics)")
        let id = try #require(created.object["id"]?.stringValue)
        resource["id"] = .string(id)
        if type == "Subscription", resource["status"] == "requested" {
            resource["status"] = "active"  // the server sets a Subscription up as it accepts it
        }

        let read = try await client.send(.get, "/fhir/\(type)/\(id)")
        #expect(read.status == .ok)
        #expect(read.headers[.eTag] == "W/\"1\"")
        #expect(withoutServerMeta(try #require(read.json)) == withoutServerMeta(.object(resource)), "\(file) changed on a round trip")
        #expect(read.object["meta"]?["versionId"] == "1")

        let vread = try await client.send(.get, "/fhir/\(type)/\(id)/_history/1")
        #expect(vread.status == .ok)
        #expect(vread.json == read.json)

        let history = try await client.send(.get, "/fhir/\(type)/\(id)/_history")
        #expect(history.status == .ok)
        #expect(history.object["total"] == 1)
        let entries = history.object["entry"]?.arrayValue ?? []
        #expect(entries.count == 1)
        #expect(entries.first?["resource"] == read.json)
        #expect(entries.first?["request"]?["method"] == "PUT" || entries.first?["request"]?["method"] == "POST")

        // Indexed on the way in: found by id, and by its lastUpdated, through search.
        let byId = try await client.send(.get, "/fhir/\(type)?_id=\(id)&_lastUpdated=ge2020-01-01")
        let found = (byId.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["id"]?.stringValue }
        #expect(found == [id], "\(file): \(byId.diagnostics)")
    }

    /// jsonb would turn 1.000000000000000000E+245 into a 246-digit integer; the number must come back as written.
    @Test func decimalsKeepTheirExactLexemes() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("decimal")
        let body = """
            {"resourceType":"Observation","id":"\(id)","status":"final","code":{"text":"x"},
             "component":[{"code":{"text":"a"},"valueQuantity":{"value":1.50}},
                          {"code":{"text":"b"},"valueQuantity":{"value":1.000000000000000000E+245}},
                          {"code":{"text":"c"},"valueQuantity":{"value":-0.0}},
                          {"code":{"text":"d"},"valueQuantity":{"value":0.0000001}}]}
            """
        #expect(try await client.send(.put, "/fhir/Observation/\(id)", body: body).status == .created)
        let read = try await client.send(.get, "/fhir/Observation/\(id)")
        for lexeme in ["1.50", "1.000000000000000000E+245", "-0.0", "0.0000001"] {
            #expect(read.text.contains(":\(lexeme)") || read.text.contains(": \(lexeme)"), "\(lexeme) was not kept")
        }
    }
}
