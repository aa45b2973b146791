import FHIRCore
import Foundation
import Notifications
import Testing

/// The change feed pushed to webhook sinks (`--event-sink`): every change, in the feed's order,
/// as batches of the events `GET /events` serves (or Event Grid events), through outages and
/// restarts, once per batch with several servers running.
@Suite struct EventSinkTests {
    static let fast = EventSinkService.Settings(batchSize: 2, pollInterval: .milliseconds(20), claimInterval: .milliseconds(50))

    /// Runs a sink service (one server) for `sinks` while `work` runs, then shuts it down.
    static func serving(_ client: FHIRTestClient, _ sinks: [EventSink], settings: EventSinkService.Settings = fast,
                        _ work: () async throws -> Void) async throws {
        let service = EventSinkService(sinks: sinks, client: client.environment.client,
                                       renderer: ChangeEventRenderer(baseURL: client.configuration.baseURL),
                                       registry: FHIRTestClient.metrics.registry, settings: settings, logger: client.environment.logger)
        let running = Task { try await service.run() }
        do {
            try await work()
        } catch {
            running.cancel()
            throw error
        }
        running.cancel()
        try await running.value
    }

    /// Every event the receiver accepted, batch after batch.
    static func events(_ receiver: WebhookReceiver) async -> [JSONValue] {
        await receiver.accepted.flatMap { (try? JSONReader.parse($0.body))?.arrayValue ?? [] }
    }

    /// Waits until the receiver holds `count` events (a change shows once every older
    /// transaction in the cluster has ended, and other suites run transactions too).
    static func waitFor(_ count: Int, at receiver: WebhookReceiver) async throws -> [JSONValue] {
        for _ in 0..<600 where await events(receiver).count < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        return await events(receiver)
    }

    /// Waits until the sink's position has moved past `count` events (the receiver answers
    /// before the server records that).
    static func waitForCursor(_ client: FHIRTestClient, delivered count: Int) async throws {
        for _ in 0..<200 where try await client.count("SELECT coalesce(sum(delivered), 0)::bigint FROM event_sink") < count {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func device(_ id: String) -> JSONValue { ["resourceType": "Device", "id": .string(id)] }

    @Test func aSinkGetsTheFeedsCloudEventsInOrderOnceAndResumesAfterARestart() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let sink = try #require(EventSink(endpoint, format: .cloudEvents))
            let patient: JSONValue = ["resourceType": "Patient", "id": "sink-p", "name": [["family": "Chalmers"]]]
            #expect(try await client.send(.put, "/fhir/Patient/sink-p", json: patient).status == .created)
            #expect(try await client.send(.put, "/fhir/Patient/sink-p", json: patient).status == .ok)
            #expect(try await client.send(.put, "/fhir/Device/sink-d", json: Self.device("sink-d")).status == .created)
            #expect(try await client.send(.delete, "/fhir/Patient/sink-p").status == .noContent)
            #expect(try await client.send(.put, "/fhir/Device/sink-e", json: Self.device("sink-e")).status == .created)

            // Two servers with the same sink: they take turns, and each batch goes out once.
            var delivered: [JSONValue] = []
            try await Self.serving(client, [sink]) {
                try await Self.serving(client, [sink]) {
                    delivered = try await Self.waitFor(5, at: receiver)
                    try await Self.waitForCursor(client, delivered: 5)
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            #expect(await Self.events(receiver).count == 5)
            // Exactly what the feed serves, in its order, in batches of at most two.
            let feed = try await ChangeFeedTests.follow(client, count: 10, expected: 5).events
            #expect(delivered == feed)
            let batches = await receiver.accepted
            #expect(batches.count >= 3)
            #expect(batches.allSatisfy { ((try? JSONReader.parse($0.body))?.arrayValue?.count ?? 0) <= 2 })
            #expect(batches.allSatisfy { $0.method == .post && $0.contentType == "application/cloudevents-batch+json" })
            #expect(!batches.contains { $0.body.contains("Chalmers") })

            // A restarted server sends what came after, and nothing again.
            #expect(try await client.send(.put, "/fhir/Device/sink-f", json: Self.device("sink-f")).status == .created)
            try await Self.serving(client, [sink]) {
                _ = try await Self.waitFor(6, at: receiver)
                try await Self.waitForCursor(client, delivered: 6)
                try await Task.sleep(for: .milliseconds(300))
            }
            let all = await Self.events(receiver)
            #expect(all.count == 6)
            #expect(all.last?["subject"] == "Device/sink-f")
            #expect(try await client.count("SELECT delivered FROM event_sink WHERE url = '\(endpoint)'") == 6)
        }
    }

    @Test func anAzureSinkGetsEventGridEventsAndCatchesUpAfterAnOutage() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let sink = try #require(EventSink(endpoint, format: .azure))
            await receiver.setFailing(true)
            #expect(try await client.send(.put, "/fhir/Device/az-1", json: Self.device("az-1")).status == .created)
            #expect(try await client.send(.put, "/fhir/Device/az-1", json: Self.device("az-1")).status == .ok)
            #expect(try await client.send(.delete, "/fhir/Device/az-1").status == .noContent)
            try await Self.serving(client, [sink]) {
                let failures = "SELECT attempts::bigint FROM event_sink WHERE last_error LIKE '%503%'"
                for _ in 0..<600 where try await client.count(failures) == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(await receiver.refused >= 1)
                #expect(try await client.count(failures) >= 1)

                // The sink is back: the retry, fast-forwarded, sends the same changes in order.
                await receiver.setFailing(false)
                try await client.environment.client.query("UPDATE event_sink SET next_attempt = clock_timestamp()")
                _ = try await Self.waitFor(3, at: receiver)
                try await Self.waitForCursor(client, delivered: 3)
            }
            let events = await Self.events(receiver)
            #expect(events.map { $0["eventType"]?.stringValue } == [
                "Microsoft.HealthcareApis.FhirResourceCreated",
                "Microsoft.HealthcareApis.FhirResourceUpdated",
                "Microsoft.HealthcareApis.FhirResourceDeleted",
            ])
            let feed = try await ChangeFeedTests.follow(client, count: 10, expected: 3).events
            #expect(events.map { $0["id"] } == feed.map { $0["id"] })
            let deleted = try #require(events.last)
            #expect(deleted["topic"] == "http://vesta.test/fhir")
            #expect(deleted["subject"] == "vesta.test/fhir/Device/az-1")
            #expect(deleted["dataVersion"] == "3" && deleted["metadataVersion"] == "1")
            #expect(deleted["eventTime"] == feed.last?["time"])
            #expect(deleted["data"] == [
                "resourceType": "Device", "resourceFhirAccount": "vesta.test/fhir", "resourceFhirId": "az-1", "resourceVersionId": 3,
            ])
            #expect(await receiver.accepted.allSatisfy { $0.contentType == "application/json" })
            #expect(try await client.count("SELECT attempts::bigint FROM event_sink") == 0)
        }
    }

    @Test func sinkURLsMustBeAbsoluteHTTP() {
        #expect(EventSink("http://127.0.0.1:9000/events", format: .cloudEvents) != nil)
        #expect(EventSink("https://sink.example.org/hook?code=abc", format: .azure) != nil)
        #expect(EventSink("ftp://sink.example.org/", format: .cloudEvents) == nil)
        #expect(EventSink("/events", format: .cloudEvents) == nil)
    }
}
