import FHIRCore
import Foundation
import Testing

/// Deletions notify the Subscriptions whose criteria the removed version met: a POST without
/// body, or on a channel with a payload a DELETE of `<endpoint>/<type>/<id>` (as HAPI FHIR
/// sends it); the audit record names the removed version's patients.
@Suite struct SubscriptionDeleteTests {
    @Test func theDeleteOfAResourceWhoseLastVersionMatchedIsNotifiedOthersAreNot() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let subscription = SubscriptionTests.subscription("gone", endpoint: endpoint, payload: nil)
            #expect(try await client.send(.put, "/fhir/Subscription/gone", json: subscription).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/del-high", json: SubscriptionTests.heartRate("del-high", 130)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/del-low", json: SubscriptionTests.heartRate("del-low", 100)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/del-fell", json: SubscriptionTests.heartRate("del-fell", 130)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/del-fell", json: SubscriptionTests.heartRate("del-fell", 90)).status == .ok)
            for id in ["del-high", "del-low", "del-fell"] {
                #expect(try await client.send(.delete, "/fhir/Observation/\(id)").status == .noContent)
            }
            try await SubscriptionTests.drain(client)

            // Created matching, created matching (then updated out of the criteria), deleted matching.
            let accepted = await receiver.accepted
            #expect(accepted.map(\.eventId) == ["gone:1", "gone:2", "gone:3"])
            #expect(accepted.allSatisfy { $0.method == .post && $0.body.isEmpty && $0.authorization == "Bearer s3cret" })
            #expect(try await client.count("SELECT count(*) FROM subscription_event WHERE deleted") == 1)
            #expect(try await client.count(
                "SELECT version::bigint FROM subscription_event WHERE deleted AND id = 'del-high'") == 2)
        }
    }

    @Test func withAPayloadADeleteIsSentToTheResourcesURLAndAuditedWithItsPatient() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/mirror", json: SubscriptionTests.subscription("mirror", endpoint: endpoint)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/del-1", json: SubscriptionTests.heartRate("del-1", 140, patient: "p-del")).status == .created)
            #expect(try await client.send(.delete, "/fhir/Observation/del-1").status == .noContent)
            let records = try await AuditTests.recorded(client) { try await SubscriptionTests.drain(client) }

            let accepted = await receiver.accepted
            #expect(accepted.map(\.eventId) == ["mirror:1", "mirror:2"])
            #expect(accepted.map(\.method) == [.post, .delete])
            let deletion = try #require(accepted.last)
            #expect(deletion.path == "/Observation/del-1" && deletion.body.isEmpty && deletion.authorization == "Bearer s3cret")

            let notifications = records.filter { AuditTests.operation($0) == "subscription-notification" }
            #expect(notifications.map { AuditTests.entities($0, role: "4") } == [["Observation/del-1/_history/1"], ["Observation/del-1/_history/2"]])
            #expect(notifications.allSatisfy { AuditTests.entities($0, role: "1") == ["Patient/p-del"] })
        }
    }
}
