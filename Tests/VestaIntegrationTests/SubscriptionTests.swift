import FHIRCore
import Foundation
import Hummingbird
import Notifications
import PostgresNIO
import Testing
import VestaServer

/// R4 Subscriptions through the whole server: admission of Subscription writes, matching of
/// committed changes against criteria, rest-hook delivery in order with retries, replay, and
/// the status summary. Each test has a database of its own (the matcher's position is global).
@Suite struct SubscriptionTests {
    static let heartRate = "http://loinc.org|8867-4"

    static func subscription(_ id: String, endpoint: String, criteria: String = "Observation?code=\(heartRate)&value-quantity=gt120",
                             payload: String? = "application/fhir+json") -> JSONValue {
        var channel: JSONObject = ["type": "rest-hook", "endpoint": .string(endpoint), "header": ["Authorization: Bearer s3cret"]]
        if let payload { channel["payload"] = .string(payload) }
        return ["resourceType": "Subscription", "id": .string(id), "status": "requested", "reason": "tachycardia alerts",
                "criteria": .string(criteria), "channel": .object(channel)]
    }

    static func heartRate(_ id: String, _ value: Int, code: String = "8867-4", patient: String = "p1") -> JSONValue {
        ["resourceType": "Observation", "id": .string(id), "status": "final",
         "code": ["coding": [["system": "http://loinc.org", "code": .string(code)]]],
         "subject": ["reference": .string("Patient/\(patient)")],
         "effectiveDateTime": "2026-03-01T08:00:00Z",
         "valueQuantity": ["value": .number(String(value)), "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"]]
    }

    /// Matches every committed change and delivers what is due (what the background service
    /// does). A change is readable once every older transaction in the cluster has ended, and
    /// other suites run transactions on it too, so this waits until the matcher has read them all.
    static func drain(_ client: FHIRTestClient) async throws {
        try await matchAll(client)
        while try await client.subscriptions.dispatcher.deliverDue() > 0 {}
    }

    /// Runs the matcher until it has read every change in the log.
    static func matchAll(_ client: FHIRTestClient) async throws {
        for _ in 0..<400 {
            while try await client.subscriptions.matcher.matchPending() > 0 {}
            let unread = try await client.count(
                "SELECT count(*) FROM change_log c, subscription_matcher m WHERE (c.tx, c.seq) > (m.tx, m.seq)")
            if unread == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `$status` of a Subscription: each parameter's value by name.
    static func status(_ client: FHIRTestClient, _ id: String) async throws -> [String: JSONValue] {
        let status = try await client.send(.get, "/fhir/Subscription/\(id)/$status")
        #expect(status.status == .ok)
        return Dictionary(uniqueKeysWithValues: (status.object["parameter"]?.arrayValue ?? []).compactMap { parameter -> (String, JSONValue)? in
            guard let name = parameter["name"]?.stringValue else { return nil }
            return (name, parameter["valueInteger"] ?? parameter["valueString"] ?? parameter["valueCode"] ?? .null)
        })
    }

    /// Makes every delivery that waits for a retry due now (the backoff, fast-forwarded).
    static func retryNow(_ client: FHIRTestClient) async throws {
        try await client.environment.client.query("UPDATE subscription_delivery SET next_attempt = clock_timestamp() - interval '1 second'")
    }

    @Test func aMatchingWriteIsDeliveredWithItsResourceAndOthersAreNot() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let created = try await client.send(.put, "/fhir/Subscription/tachy", json: Self.subscription("tachy", endpoint: endpoint))
            #expect(created.status == .created)
            #expect(created.object["status"] == "active")

            #expect(try await client.send(.put, "/fhir/Observation/hr-high", json: Self.heartRate("hr-high", 130)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/hr-normal", json: Self.heartRate("hr-normal", 100)).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/rr-high", json: Self.heartRate("rr-high", 140, code: "9279-1")).status == .created)
            #expect(try await client.send(.put, "/fhir/Observation/hr-exact", json: Self.heartRate("hr-exact", 120)).status == .created)
            // An update that crosses the threshold matches, and so does the delete of a matching one.
            #expect(try await client.send(.put, "/fhir/Observation/hr-normal", json: Self.heartRate("hr-normal", 121)).status == .ok)
            #expect(try await client.send(.delete, "/fhir/Observation/hr-high").status == .noContent)
            try await Self.drain(client)

            let accepted = await receiver.accepted
            #expect(accepted.map(\.eventId) == ["tachy:1", "tachy:2", "tachy:3"])
            #expect(accepted.map(\.method) == [.post, .post, .delete])
            let bodies = accepted.prefix(2).compactMap { try? JSONReader.parse($0.body) }
            #expect(bodies.map { $0["id"]?.stringValue } == ["hr-high", "hr-normal"])
            #expect(bodies.map { $0["meta"]?["versionId"]?.stringValue } == ["1", "2"])
            #expect(accepted.allSatisfy { $0.authorization == "Bearer s3cret" })
        }
    }

    @Test func theBackgroundServiceMatchesAndDeliversOnItsOwn() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/live", json: Self.subscription("live", endpoint: endpoint)).status == .created)
            let service = Task { try await client.subscriptions.service().run() }
            #expect(try await client.send(.put, "/fhir/Observation/live-1", json: Self.heartRate("live-1", 180)).status == .created)
            for _ in 0..<200 where await receiver.accepted.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
            }
            service.cancel()
            try await service.value
            #expect(await receiver.accepted.map(\.eventId) == ["live:1"])
        }
    }

    @Test func notificationsWithoutPayloadAreEmptyAndBatchAndIngestWritesMatchToo() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            let subscription = Self.subscription("any-hr", endpoint: endpoint, criteria: "Observation?code=\(Self.heartRate)", payload: nil)
            #expect(try await client.send(.put, "/fhir/Subscription/any-hr", json: subscription).status == .created)
            let bundle: JSONValue = ["resourceType": "Bundle", "type": "transaction", "entry": [
                ["resource": Self.heartRate("b1", 90), "request": ["method": "PUT", "url": "Observation/b1"]],
                ["resource": Self.heartRate("b2", 95), "request": ["method": "PUT", "url": "Observation/b2"]],
            ]]
            #expect(try await client.send(.post, "/fhir", json: bundle).status == .ok)
            try await Self.drain(client)
            let accepted = await receiver.accepted
            #expect(accepted.map(\.eventId) == ["any-hr:1", "any-hr:2"])
            #expect(accepted.allSatisfy { $0.body.isEmpty })
        }
    }

    @Test func anOutageDelaysNotificationsWhichThenArriveInOrderOnce() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/outage", json: Self.subscription("outage", endpoint: endpoint)).status == .created)
            await receiver.setFailing(true)
            for number in 1...5 {
                #expect(try await client.send(.put, "/fhir/Observation/o\(number)", json: Self.heartRate("o\(number)", 130 + number)).status == .created)
            }
            try await Self.drain(client)
            try await Self.retryNow(client)
            try await Self.drain(client)
            // Two attempts at least (the first, and the forced retry); a loaded machine can take
            // longer than the 1 s backoff to drain, and then a third one comes on its own.
            let refused = await receiver.refused
            #expect(refused >= 2)
            #expect(await receiver.accepted.isEmpty)

            let values = try await Self.status(client, "outage")
            #expect(values["eventsMatched"] == .number("5"))
            #expect(values["backlog"] == .number("5"))
            #expect((values["consecutiveFailures"]?.numberLexeme).flatMap { Int($0) }.map { $0 >= refused } == true)
            #expect(values["lastError"]?.stringValue?.contains("503") == true)
            #expect(values["status"] == "active")

            await receiver.setFailing(false)
            try await Self.retryNow(client)
            try await Self.drain(client)
            let accepted = await receiver.accepted
            #expect(accepted.map(\.eventId) == (1...5).map { "outage:\($0)" })
            #expect(accepted.compactMap { try? JSONReader.parse($0.body)["id"]?.stringValue } == (1...5).map { "o\($0)" })
        }
    }

    @Test func aSubscriptionFailingPastTheRetryPeriodIsSetToError() async throws {
        let client = try await FHIRTestClient.make(isolated: true, subscriptionRetry: .zero)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/doomed", json: Self.subscription("doomed", endpoint: endpoint)).status == .created)
            await receiver.setFailing(true)
            #expect(try await client.send(.put, "/fhir/Observation/d1", json: Self.heartRate("d1", 150)).status == .created)
            try await Self.drain(client)
            let subscription = try await client.send(.get, "/fhir/Subscription/doomed")
            #expect(subscription.object["status"] == "error")
            #expect(subscription.object["error"]?.stringValue?.contains("503") == true)

            // In error, nothing more is matched or sent, even once the endpoint is back.
            await receiver.setFailing(false)
            #expect(try await client.send(.put, "/fhir/Observation/d2", json: Self.heartRate("d2", 160)).status == .created)
            try await Self.retryNow(client)
            try await Self.drain(client)
            #expect(await receiver.accepted.isEmpty)
            #expect(await receiver.refused == 1)
        }
    }

    @Test func aRestartedServerContinuesWhereTheLastOneStoppedAndResendReplays() async throws {
        let client = try await FHIRTestClient.make(isolated: true)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/steady", json: Self.subscription("steady", endpoint: endpoint)).status == .created)
            for number in 1...3 {
                #expect(try await client.send(.put, "/fhir/Observation/s\(number)", json: Self.heartRate("s\(number)", 130)).status == .created)
            }
            try await Self.drain(client)
            // A delivery in flight when the server died: leased, never acknowledged.
            #expect(try await client.send(.put, "/fhir/Observation/s4", json: Self.heartRate("s4", 130)).status == .created)
            try await Self.matchAll(client)
            try await client.environment.client.query(
                "UPDATE subscription_delivery SET leased_until = clock_timestamp() + interval '1 hour'")
            #expect(try await client.subscriptions.dispatcher.deliverDue() == 0)
            #expect(try await client.send(.put, "/fhir/Observation/s5", json: Self.heartRate("s5", 130)).status == .created)

            // The next server: fresh matcher and dispatcher, the lease of the dead one expired.
            let restarted = client.restarted()
            try await client.environment.client.query("UPDATE subscription_delivery SET leased_until = clock_timestamp() - interval '1 second'")
            try await Self.drain(restarted)
            #expect(await receiver.accepted.map(\.eventId) == (1...5).map { "steady:\($0)" })

            let resend = try await client.send(.post, "/fhir/Subscription/steady/$resend?from=4")
            #expect(resend.status == .ok)
            try await Self.drain(restarted)
            #expect(await receiver.accepted.map(\.eventId) == (1...5).map { "steady:\($0)" } + ["steady:4", "steady:5"])
        }
    }

    @Test func subscriptionsThatCannotWorkAreRefusedNamingTheElement() async throws {
        let client = try await FHIRTestClient.make()
        let guarded = try await FHIRTestClient.make(allowPrivateEndpoints: false)
        let endpoint = "https://alerts.example.org/hook"
        let cases: [(FHIRTestClient, JSONValue, String, String)] = [
            (client, Self.subscription("bad-criteria", endpoint: endpoint, criteria: "Observation?value-quantity=high"), "Subscription.criteria", "value-quantity"),
            (client, Self.subscription("unknown-param", endpoint: endpoint, criteria: "Observation?colour=red"), "Subscription.criteria", "colour"),
            (client, Self.subscription("no-type", endpoint: endpoint, criteria: "Nonsense?code=x"), "Subscription.criteria", "Nonsense"),
            (client, Self.subscription("bad-payload", endpoint: endpoint, payload: "application/xml"), "Subscription.channel.payload", "application/xml"),
            (guarded, Self.subscription("plain-http", endpoint: "http://alerts.example.org/hook"), "Subscription.channel.endpoint", "https"),
            (guarded, Self.subscription("loopback", endpoint: "https://127.0.0.1:9443/hook"), "Subscription.channel.endpoint", "127.0.0.1"),
            (guarded, Self.subscription("private", endpoint: "https://[fd00::1]/hook"), "Subscription.channel.endpoint", "non-public"),
            (guarded, Self.subscription("localhost", endpoint: "https://localhost/hook"), "Subscription.channel.endpoint", "this machine"),
        ]
        for (server, subscription, element, mention) in cases {
            let id = subscription["id"]?.stringValue ?? ""
            let response = try await server.send(.put, "/fhir/Subscription/\(id)", json: subscription)
            #expect(response.status == .unprocessableContent, "\(id)")
            #expect(response.issueExpressions.contains(element), "\(id): \(response.issueExpressions)")
            #expect(response.diagnostics.contains(mention), "\(id): \(response.diagnostics)")
        }
        var injected = Self.subscription("injected", endpoint: endpoint).objectValue ?? [:]
        injected["channel"] = ["type": "rest-hook", "endpoint": .string(endpoint), "header": ["X-Ok: 1\r\nX-Evil: 2"]]
        let refusedHeader = try await client.send(.put, "/fhir/Subscription/injected", json: .object(injected))
        #expect(refusedHeader.status == .unprocessableContent && refusedHeader.issueExpressions.contains { $0.hasPrefix("Subscription.channel.header") })
        var email = Self.subscription("email", endpoint: endpoint).objectValue ?? [:]
        email["channel"] = ["type": "email", "endpoint": "mailto:care@example.org"]
        let refused = try await client.send(.put, "/fhir/Subscription/email", json: .object(email))
        #expect(refused.status == .unprocessableContent && refused.diagnostics.contains("email"))
        // A public https endpoint passes, and the stored Subscription is active.
        let created = try await guarded.send(.post, "/fhir/Subscription", json: Self.subscription("x", endpoint: endpoint))
        #expect(created.status == .created && created.object["status"] == "active")
    }

    @Test func everyDeliveryAttemptIsAuditedAsADisclosureOfThePatientsData() async throws {
        let client = try await FHIRTestClient.make(audit: .immediate)
        try await WebhookReceiver.listening { receiver, endpoint in
            #expect(try await client.send(.put, "/fhir/Subscription/audited", json: Self.subscription("audited", endpoint: endpoint)).status == .created)
            await receiver.setFailing(true)
            #expect(try await client.send(.put, "/fhir/Observation/a1", json: Self.heartRate("a1", 140, patient: "p-audit")).status == .created)
            let events = try await AuditTests.recorded(client) {
                try await Self.drain(client)
                await receiver.setFailing(false)
                try await Self.retryNow(client)
                try await Self.drain(client)
            }
            let notifications = events.filter { AuditTests.operation($0) == "subscription-notification" }
            #expect(notifications.map { $0["outcome"]?.stringValue } == ["8", "0"])  // the subscriber's 503: a serious failure
            #expect(notifications.map { $0["outcomeDesc"]?.stringValue } == ["HTTP 503", "HTTP 200"])
            for record in notifications {
                #expect(record["action"] == "E")
                #expect(record["agent"]?[0]?["altId"] == "Subscription/audited")
                #expect(record["agent"]?[0]?["network"]?["address"] == "127.0.0.1")
                #expect(AuditTests.entities(record, role: "4") == ["Observation/a1/_history/1"])
                #expect(AuditTests.entities(record, role: "1") == ["Patient/p-audit"])
            }
        }
    }
}
