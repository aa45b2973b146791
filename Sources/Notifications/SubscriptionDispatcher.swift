import Audit
import FHIRCore
import FHIRSearch
import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// Delivers subscription events, in order per subscription, at least once. A dispatcher
/// leases the subscriptions with events due, sends each one's events one after another, and
/// records the acknowledged ones (audit records, then progress) every `recordEvery` events, so
/// a crash repeats at most those (subscribers de-duplicate on `X-Vesta-Event-Id`). A failure is retried
/// with exponential backoff and jitter; once a subscription has been failing for
/// `retryPeriod`, it is set to `error` with the reason in `Subscription.error`.
public struct SubscriptionDispatcher: Sendable {
    let ledger: DeliveryLedger
    let store: ResourceStore
    let parser: SearchQueryParser
    let restHook: RestHook
    let endpoints: EndpointGuard
    let sockets: WebSocketBindings
    let retryPeriod: Duration
    let metrics: SubscriptionMetrics
    let logger: Logger

    /// Events sent per lease before the subscription is given back (so one busy subscription
    /// cannot hold a dispatcher forever).
    static let eventsPerLease = 100

    public init(client: PostgresClient, store: ResourceStore, parser: SearchQueryParser, restHook: RestHook,
                endpoints: EndpointGuard, sockets: WebSocketBindings, retryPeriod: Duration,
                metrics: SubscriptionMetrics, logger: Logger) {
        ledger = DeliveryLedger(client: client, logger: logger)
        self.store = store
        self.parser = parser
        self.restHook = restHook
        self.endpoints = endpoints
        self.sockets = sockets
        self.retryPeriod = retryPeriod
        self.metrics = metrics
        self.logger = logger
    }

    /// Delivers what is due for up to `concurrency` subscriptions at once; returns how many
    /// subscriptions it leased (0 when nothing was due).
    @discardableResult
    public func deliverDue(concurrency: Int = 8) async throws -> Int {
        let claims = try await ledger.claim(limit: concurrency)
        await withTaskGroup(of: Void.self) { group in
            for claim in claims {
                group.addTask { await deliver(claim) }
            }
        }
        return claims.count
    }

    /// The delivery state of a subscription, for `$status`.
    public func status(of subscriptionId: String) async throws -> DeliveryStatus? {
        try await ledger.status(of: subscriptionId)
    }

    /// Sends the subscription's events again from `number` on (`$resend`).
    public func resend(_ subscriptionId: String, from number: Int64) async throws {
        try await ledger.rewind(subscriptionId, to: number)
    }

    private func deliver(_ claim: DeliveryClaim) async {
        do {
            try await deliverEvents(claim)
        } catch {
            logger.warning("subscription delivery failed", metadata: ["subscription": "\(claim.subscriptionId)", "error": "\(error)"])
            try? await ledger.failed(claim.subscriptionId, error: "\(error)", retryAfter: Backoff.delay(attempts: claim.attempts + 1))
        }
    }

    private func deliverEvents(_ claim: DeliveryClaim) async throws {
        guard let definition = try await SubscriptionDefinition.active(claim.subscriptionId, in: store, parser: parser) else {
            try await ledger.skipBacklog(claim.subscriptionId)
            return
        }
        let events = try await SubscriptionEvents.events(
            of: claim.subscriptionId, from: claim.delivered + 1, limit: Self.eventsPerLease, client: ledger.client, logger: logger)
        let resources = try await resources(of: events, for: definition)
        // Acknowledged events are recorded (audit, then progress) every `recordEvery` events and
        // before a failure is handled: a crash in between sends those few again (at least once).
        // A record is written while the next events are sent; each waits for the one before, so
        // progress only moves forward.
        try await withThrowingTaskGroup(of: Void.self) { recorder in
            var acknowledged: [(event: SubscriptionEvent, status: Int)] = []
            for (index, event) in events.enumerated() {
                let status: Int
                do throws(WebhookFailure) {
                    status = try await send(event, json: resources[event.contentVersion], definition: definition)
                } catch {
                    try await recorder.waitForAll()
                    try await record(acknowledged, resources: resources, definition: definition)
                    try await audit([(event, error.status)], resources: resources, definition: definition)
                    // Only the lease's first event carries earlier failures.
                    let attempts = index == 0 ? claim.attempts + 1 : 1
                    let failingSince = index == 0 ? claim.failingSince ?? Date() : Date()
                    try await recordFailure(definition, error: error, attempts: attempts, failingSince: failingSince)
                    return
                }
                metrics.delivered(latency: Date().timeIntervalSince(event.committedAt))
                acknowledged.append((event, status))
                if acknowledged.count == Self.recordEvery {
                    try await recorder.waitForAll()
                    let batch = acknowledged
                    recorder.addTask { try await record(batch, resources: resources, definition: definition) }
                    acknowledged = []
                }
            }
            try await recorder.waitForAll()
            try await record(acknowledged, resources: resources, definition: definition)
            try await ledger.release(claim.subscriptionId)
        }
    }

    /// Events acknowledged per progress update.
    static let recordEvery = 20

    /// Audits acknowledged events, then moves the subscription's progress past them.
    private func record(
        _ acknowledged: [(event: SubscriptionEvent, status: Int)], resources: [ResourceVersion: String], definition: SubscriptionDefinition
    ) async throws {
        guard let last = acknowledged.last else { return }
        try await audit(acknowledged, resources: resources, definition: definition)
        try await ledger.delivered(definition.id, through: last.event.number)
    }

    /// The versions the events are about (unsealed JSON; for a deletion, the version it
    /// removed), in one read, when the notifications carry them or the audit records name their patients.
    private func resources(of events: [SubscriptionEvent], for definition: SubscriptionDefinition) async throws -> [ResourceVersion: String] {
        let carriesPayload = if case .restHook(_, _, let payload?) = definition.channel { !payload.isEmpty } else { false }
        guard carriesPayload || store.auditing else { return [:] }
        return try await store.read(versions: events.map(\.contentVersion))
    }

    /// Sends one event; returns the status the subscriber answered (200 for websocket pings). A
    /// deletion is a ping, a POST without body, or with a payload channel a DELETE of the resource.
    private func send(_ event: SubscriptionEvent, json: String?, definition: SubscriptionDefinition) async throws(WebhookFailure) -> Int {
        switch definition.channel {
        case .websocket:
            await sockets.ping(definition.id)
            return 200
        case .restHook(let endpoint, let headers, let payload):
            if let refusal = await endpoints.deliveryRefusal(of: endpoint) { throw .refused(refusal) }
            if event.deleted, payload != nil {
                return try await restHook.delete(event.resourceType, id: event.id, at: endpoint, headers: headers, eventId: event.eventId)
            }
            let body = payload.map { (contentType: $0, body: json ?? "") }
            return try await restHook.post(to: endpoint, headers: headers, eventId: event.eventId, payload: body)
        }
    }

    /// The audit records of delivery attempts (disclosures of the versions to the subscriber),
    /// written together: an `E` operation `subscription-notification` each, the Subscription as
    /// agent, the endpoint's host as its network address, the version and its patients as
    /// entities, the subscriber's answer as outcome.
    private func audit(
        _ attempts: [(event: SubscriptionEvent, status: Int)], resources: [ResourceVersion: String], definition: SubscriptionDefinition
    ) async throws {
        guard store.auditing, !attempts.isEmpty else { return }
        let destination: String? = if case .restHook(let endpoint, _, _) = definition.channel { endpoint.host } else { nil }
        let records = attempts.map { event, status in
            AuditEventBuilder.event(
                id: FHIRId.generate(), interaction: .operation("subscription-notification"), status: status,
                agent: AuditAgent(userID: "Subscription/\(definition.id)", address: destination),
                entities: AuditEntities(resources: ["\(event.resourceType)/\(event.id)/_history/\(event.version)"],
                                        patients: store.patientReferences(type: event.resourceType, id: event.id,
                                                                          json: resources[event.contentVersion])),
                recorded: .now())
        }
        try await store.appendAudits(records)
    }

    private func recordFailure(_ definition: SubscriptionDefinition, error: any Error, attempts: Int, failingSince: Date) async throws {
        metrics.failed()
        let reason = "\(error)"
        guard Date().timeIntervalSince(failingSince) >= retryPeriod.seconds else {
            logger.info("subscription delivery failed; will retry", metadata: [
                "subscription": "\(definition.id)", "attempts": "\(attempts)", "error": "\(reason)",
            ])
            try await ledger.failed(definition.id, error: reason, retryAfter: Backoff.delay(attempts: attempts))
            return
        }
        logger.warning("subscription set to error: deliveries kept failing", metadata: [
            "subscription": "\(definition.id)", "since": "\(failingSince)", "error": "\(reason)",
        ])
        _ = try await store.modify(type: "Subscription", id: definition.id) { current in
            var updated = current
            updated["status"] = .string(SubscriptionDefinition.Status.error.rawValue)
            updated["error"] = .string("Deliveries failed since \(FHIRInstant(date: failingSince).fhirString): \(reason)")
            return updated
        }
        try await ledger.failed(definition.id, error: reason, retryAfter: .zero)
        try await ledger.skipBacklog(definition.id)
    }
}
