import FHIRCore
import Foundation
import Testing

@Suite struct HistoryTests {
    /// Creates a resource with `versions` versions; returns its id.
    private func makeVersions(_ versions: Int, type: String = "Basic", client: FHIRTestClient) async throws -> String {
        let id = uniqueId("h")
        for version in 1...versions {
            let body: JSONValue = ["resourceType": .string(type), "id": .string(id), "code": ["text": .string("v\(version)")]]
            _ = try await client.send(.put, "/fhir/\(type)/\(id)", json: body)
        }
        return id
    }

    @Test func instanceHistoryPagesNewestFirst() async throws {
        let client = try await FHIRTestClient.make()
        let id = try await makeVersions(5, client: client)
        var url: String? = "/fhir/Basic/\(id)/_history?_count=2"
        var versions: [String] = []
        var pages = 0
        while let next = url {
            let page = try await client.send(.get, next)
            #expect(page.status == .ok)
            #expect(page.object["type"] == "history")
            #expect(page.object["total"] == 5)
            versions += (page.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["meta"]?["versionId"]?.stringValue }
            let nextLink = (page.object["link"]?.arrayValue ?? []).first { $0["relation"] == "next" }?["url"]?.stringValue
            url = nextLink.map { $0.replacingOccurrences(of: "http://vesta.test", with: "") }
            pages += 1
        }
        #expect(versions == ["5", "4", "3", "2", "1"])
        #expect(pages == 3)
    }

    @Test func sinceAndAtSelectVersionsByTime() async throws {
        let client = try await FHIRTestClient.make()
        let id = try await makeVersions(2, client: client)
        let first = try await client.send(.get, "/fhir/Basic/\(id)/_history/1")
        let firstTime = try #require(first.object["meta"]?["lastUpdated"]?.stringValue)
        try await Task.sleep(for: .milliseconds(20))
        let marker = FHIRInstant.now()
        try await Task.sleep(for: .milliseconds(20))
        _ = try await client.send(.put, "/fhir/Basic/\(id)", json: ["resourceType": "Basic", "id": .string(id), "code": ["text": "v3"]])

        let since = try await client.send(.get, "/fhir/Basic/\(id)/_history?_since=\(marker.fhirString)")
        #expect(since.status == .ok)
        #expect((since.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["meta"]?["versionId"]?.stringValue } == ["3"])

        // At the marker, version 2 was current; at the first write's millisecond, version 1 (and maybe 2).
        let atMarker = try await client.send(.get, "/fhir/Basic/\(id)/_history?_at=\(marker.fhirString)")
        #expect((atMarker.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["meta"]?["versionId"]?.stringValue } == ["2"])
        let atFirst = try await client.send(.get, "/fhir/Basic/\(id)/_history?_at=\(firstTime)")
        #expect((atFirst.object["entry"]?.arrayValue ?? []).compactMap { $0["resource"]?["meta"]?["versionId"]?.stringValue }.last == "1")

        let badSince = try await client.send(.get, "/fhir/Basic/\(id)/_history?_since=yesterday")
        #expect(badSince.status == .badRequest)
        #expect(badSince.issueExpressions == ["_since"])
        let unknown = try await client.send(.get, "/fhir/Basic/\(id)/_history?name=x")
        #expect(unknown.status == .badRequest)
    }

    @Test func typeAndSystemHistoryIncludeDeletes() async throws {
        let client = try await FHIRTestClient.make()
        let id = try await makeVersions(1, client: client)
        _ = try await client.send(.delete, "/fhir/Basic/\(id)")
        let typeHistory = try await client.send(.get, "/fhir/Basic/_history?_count=1000")
        let entries = (typeHistory.object["entry"]?.arrayValue ?? []).filter { $0["fullUrl"]?.stringValue?.hasSuffix("/Basic/\(id)") == true }
        #expect(entries.map { $0["request"]?["method"] } == ["DELETE", "POST"])  // creates are logged as creates, whichever method made them
        #expect(entries.first?["resource"] == nil)
        #expect(entries.first?["response"]?["etag"] == "W/\"2\"")

        let system = try await client.send(.get, "/fhir/_history?_count=5")
        #expect(system.status == .ok)
        #expect((system.object["entry"]?.arrayValue ?? []).count <= 5)
        #expect(system.object["total"] == nil)
    }
}
