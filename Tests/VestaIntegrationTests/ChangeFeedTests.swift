import FHIRCore
import Foundation
import Hummingbird
import Testing
import VestaServer

/// `GET /events`: every committed change as a CloudEvent, in order, pageable and replayable
/// from any cursor, with long polling.
@Suite struct ChangeFeedTests {
    /// The `expected` events from `after` on, following `next` page by page (long polling, since
    /// a change shows once every older transaction in the cluster has ended), then checks that
    /// nothing else comes.
    static func follow(_ client: FHIRTestClient, after: String? = nil, count: Int = 2, expected: Int) async throws -> (events: [JSONValue], next: String) {
        var events: [JSONValue] = []
        var cursor = after
        while true {
            let wait = events.count < expected ? 10 : 0
            let query = ["_count=\(count)", "wait=\(wait)"] + (cursor.map { ["after=\($0)"] } ?? [])
            let page = try await client.send(.get, "/events?\(query.joined(separator: "&"))")
            #expect(page.status == .ok)
            let batch = page.object["events"]?.arrayValue ?? []
            let next = try #require(page.object["next"]?.stringValue)
            if batch.isEmpty { return (events, next) }
            #expect(batch.count <= count)
            events += batch
            cursor = next
        }
    }

    @Test func everyChangeComesOnceInOrderAndReplaysFromAnyCursor() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        let patient: JSONValue = ["resourceType": "Patient", "id": "feed-p", "name": [["family": "Chalmers"]]]
        #expect(try await client.send(.put, "/fhir/Patient/feed-p", json: patient).status == .created)
        #expect(try await client.send(.put, "/fhir/Patient/feed-p", json: patient).status == .ok)
        #expect(try await client.send(.put, "/fhir/Device/feed-d", json: ["resourceType": "Device", "id": "feed-d"]).status == .created)
        #expect(try await client.send(.delete, "/fhir/Patient/feed-p").status == .noContent)

        let (events, end) = try await Self.follow(client, expected: 4)
        let summary = events.map { "\($0["type"]?.stringValue ?? "") \($0["subject"]?.stringValue ?? "") \($0["data"]?["versionId"]?.stringValue ?? "")" }
        #expect(summary == [
            "org.vesta.fhir.resource.created Patient/feed-p 1",
            "org.vesta.fhir.resource.updated Patient/feed-p 2",
            "org.vesta.fhir.resource.created Device/feed-d 1",
            "org.vesta.fhir.resource.deleted Patient/feed-p 3",
        ])
        let first = try #require(events.first)
        #expect(first["specversion"] == "1.0" && first["source"] == "http://vesta.test/fhir")
        #expect(first["time"]?.stringValue?.hasPrefix("20") == true)
        #expect(Set(events.compactMap { $0["id"]?.stringValue }).count == 4)
        // The feed carries ids and versions only, never the resource.
        #expect(!events.contains { JSONWriter.string($0).contains("Chalmers") })

        // Replaying from the second event's cursor gives the rest again, identical.
        let second = try #require(events[1]["id"]?.stringValue)
        let replay = try await Self.follow(client, after: second, count: 10, expected: 2)
        #expect(replay.events == Array(events.dropFirst(2)))
        #expect(replay.next == end)

        let bad = try await client.send(.get, "/events?after=yesterday")
        #expect(bad.status == .badRequest && bad.issueExpressions == ["after"])
    }

    @Test func aLongPollAnswersWhenTheNextChangeCommits() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        #expect(try await client.send(.put, "/fhir/Device/poll-1", json: ["resourceType": "Device", "id": "poll-1"]).status == .created)
        let end = try await Self.follow(client, expected: 1).next

        let empty = try await client.send(.get, "/events?after=\(end)&wait=0.3")
        #expect(empty.status == .ok && empty.object["events"]?.arrayValue?.isEmpty == true && empty.object["next"] == .string(end))

        async let waited = client.send(.get, "/events?after=\(end)&wait=20")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await client.send(.put, "/fhir/Device/poll-2", json: ["resourceType": "Device", "id": "poll-2"]).status == .created)
        let answer = try await waited
        #expect(answer.object["events"]?.arrayValue?.map { $0["subject"]?.stringValue } == ["Device/poll-2"])
    }
}
