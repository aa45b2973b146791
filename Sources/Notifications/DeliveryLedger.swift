import Foundation
import Logging
import PostgresNIO

/// A subscription a dispatcher has leased: its events after `delivered` are its to send.
struct DeliveryClaim: Sendable {
    let subscriptionId: String
    let delivered: Int64
    /// Consecutive failed attempts at the next event.
    let attempts: Int
    let failingSince: Date?
}

/// Delivery state per subscription (`subscription_delivery`): leases, progress, failures.
/// Every change is one statement, so a crash leaves either the old or the new state.
struct DeliveryLedger: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// How long a lease lasts: a dispatcher that dies mid-delivery gives its subscriptions up
    /// after this, and another sends from the last acknowledged event (at least once).
    static let lease = 60

    /// Leases up to `limit` subscriptions with events due, oldest due first, skipping ones
    /// another dispatcher holds.
    func claim(limit: Int) async throws -> [DeliveryClaim] {
        let rows = try await client.query("""
            UPDATE subscription_delivery d SET leased_until = clock_timestamp() + make_interval(secs => \(Self.lease))
             WHERE subscription_id IN (
                   SELECT subscription_id FROM subscription_delivery
                    WHERE delivered < matched AND next_attempt <= clock_timestamp()
                      AND (leased_until IS NULL OR leased_until < clock_timestamp())
                    ORDER BY next_attempt LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
            RETURNING subscription_id, delivered, attempts, failing_since
            """, logger: logger)
        var claims: [DeliveryClaim] = []
        for try await (id, delivered, attempts, failingSince) in rows.decode((String, Int64, Int, Date?).self) {
            claims.append(DeliveryClaim(subscriptionId: id, delivered: delivered, attempts: attempts, failingSince: failingSince))
        }
        return claims
    }

    /// Event `number` reached the subscriber: later events are next, and failures are forgotten.
    func delivered(_ subscriptionId: String, through number: Int64) async throws {
        try await client.query("""
            UPDATE subscription_delivery
               SET delivered = greatest(delivered, \(number)), attempts = 0, failing_since = NULL,
                   last_delivered_at = clock_timestamp()
             WHERE subscription_id = \(subscriptionId)
            """, logger: logger)
    }

    /// The next event failed: try again after `retryAfter`, and release the lease.
    func failed(_ subscriptionId: String, error: String, retryAfter: Duration) async throws {
        try await client.query("""
            UPDATE subscription_delivery
               SET attempts = attempts + 1, failed_attempts = failed_attempts + 1,
                   failing_since = coalesce(failing_since, clock_timestamp()), last_error = \(error),
                   next_attempt = clock_timestamp() + make_interval(secs => \(retryAfter.seconds)), leased_until = NULL
             WHERE subscription_id = \(subscriptionId)
            """, logger: logger)
    }

    /// Gives the lease back; the subscription is due again at once if events remain.
    func release(_ subscriptionId: String) async throws {
        try await client.query(
            "UPDATE subscription_delivery SET leased_until = NULL, next_attempt = clock_timestamp() WHERE subscription_id = \(subscriptionId)",
            logger: logger)
    }

    /// Drops the backlog of a subscription that is no longer active (off, error, deleted):
    /// its events stay recorded for replay, but are not sent.
    func skipBacklog(_ subscriptionId: String) async throws {
        try await client.query("""
            UPDATE subscription_delivery SET delivered = matched, attempts = 0, failing_since = NULL, leased_until = NULL
             WHERE subscription_id = \(subscriptionId)
            """, logger: logger)
    }

    /// Sends events from `number` on again (`$resend`): delivery restarts there.
    func rewind(_ subscriptionId: String, to number: Int64) async throws {
        try await client.query("""
            UPDATE subscription_delivery SET delivered = least(delivered, greatest(\(number) - 1, 0)), next_attempt = clock_timestamp()
             WHERE subscription_id = \(subscriptionId)
            """, logger: logger)
    }

    /// The delivery state of one subscription, for `$status`; nil before its first event.
    func status(of subscriptionId: String) async throws -> DeliveryStatus? {
        let rows = try await client.query("""
            SELECT matched, delivered, failed_attempts, attempts, failing_since, next_attempt, last_error, last_delivered_at
              FROM subscription_delivery WHERE subscription_id = \(subscriptionId)
            """, logger: logger)
        for try await row in rows.decode((Int64, Int64, Int64, Int, Date?, Date, String?, Date?).self) {
            return DeliveryStatus(matched: row.0, delivered: row.1, failedAttempts: row.2, consecutiveFailures: row.3,
                                  failingSince: row.4, nextAttempt: row.5, lastError: row.6, lastDeliveredAt: row.7)
        }
        return nil
    }
}

/// How a subscription's deliveries stand.
public struct DeliveryStatus: Sendable, Equatable {
    /// Events recorded so far (the newest event number).
    public let matched: Int64
    /// Events 1…delivered reached the subscriber (or were skipped while it was not active).
    public let delivered: Int64
    /// Failed attempts in all.
    public let failedAttempts: Int64
    /// Failed attempts at the current event.
    public let consecutiveFailures: Int
    public let failingSince: Date?
    public let nextAttempt: Date
    public let lastError: String?
    public let lastDeliveredAt: Date?

    /// A subscription nothing has matched yet.
    public static let none = DeliveryStatus(matched: 0, delivered: 0, failedAttempts: 0, consecutiveFailures: 0, failingSince: nil,
                                            nextAttempt: .distantPast, lastError: nil, lastDeliveredAt: nil)

    /// Events waiting to be delivered.
    public var backlog: Int64 { matched - delivered }
}

extension Duration {
    /// Whole and fractional seconds, for SQL intervals.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
