import FHIRCore
import Foundation
import Notifications
import Testing

/// Retention of recorded subscription events (`--subscription-event-retention-hours`): delivered
/// or given-up events past it are pruned in batches, pending ones never, and `$status` counts
/// stay as they were.
@Suite struct SubscriptionRetentionTests {
    @Test func deliveredEventsPastTheRetentionGoPendingOnesStayAndStatusCountsHold() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let criteria = "Observation?code=\(SubscriptionTests.heartRate)"
            let delivered = SubscriptionTests.subscription("kept", endpoint: endpoint, criteria: criteria)
            #expect(try await client.send(.put, "/fhir/Subscription/kept", json: delivered).status == .created)
            // Nothing listens on the discard port: its events stay pending.
            let stuck = SubscriptionTests.subscription("stuck", endpoint: "http://127.0.0.1:9/hook", criteria: criteria)
            #expect(try await client.send(.put, "/fhir/Subscription/stuck", json: stuck).status == .created)
            for number in 1...5 {
                #expect(try await client.send(.put, "/fhir/Observation/r\(number)", json: SubscriptionTests.heartRate("r\(number)", 80)).status == .created)
            }
            try await SubscriptionTests.drain(client)
            #expect(await receiver.accepted.map(\.eventId) == (1...5).map { "kept:\($0)" })

            // Events 1–3 of both were recorded 200 hours ago; the retention is a week.
            try await client.environment.client.query(
                "UPDATE subscription_event SET matched_at = now() - interval '200 hours' WHERE number <= 3")
            let retention = SubscriptionEventRetention(client: client.environment.client, retention: .seconds(168 * 3600), batchSize: 2,
                                                       logger: client.environment.logger)
            #expect(try await retention.prune() == 3)
            #expect(try await retention.prune() == 0)
            #expect(try await client.count("SELECT count(*) FROM subscription_event WHERE subscription_id = 'kept'") == 2)
            #expect(try await client.count("SELECT count(*) FROM subscription_event WHERE subscription_id = 'stuck'") == 5)

            let kept = try await SubscriptionTests.status(client, "kept")
            #expect(kept["eventsMatched"] == .number("5") && kept["eventsDelivered"] == .number("5") && kept["backlog"] == .number("0"))
            let pending = try await SubscriptionTests.status(client, "stuck")
            #expect(pending["eventsMatched"] == .number("5") && pending["backlog"] == .number("5"))

            // A replay sends what is kept.
            #expect(try await client.send(.post, "/fhir/Subscription/kept/$resend?from=1").status == .ok)
            try await SubscriptionTests.drain(client)
            #expect(await receiver.accepted.map(\.eventId) == (1...5).map { "kept:\($0)" } + ["kept:4", "kept:5"])

            // Given up (the Subscription switched off skips its backlog): its old events go too.
            var off = stuck.objectValue ?? [:]
            off["status"] = "off"
            #expect(try await client.send(.put, "/fhir/Subscription/stuck", json: .object(off)).status == .ok)
            try await SubscriptionTests.retryNow(client)
            try await SubscriptionTests.drain(client)
            #expect(try await retention.prune() == 3)
            #expect(try await client.count("SELECT count(*) FROM subscription_event WHERE subscription_id = 'stuck'") == 2)
            let givenUp = try await SubscriptionTests.status(client, "stuck")
            #expect(givenUp["eventsMatched"] == .number("5") && givenUp["backlog"] == .number("0"))
        }
    }
}
