import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// One matched change waiting for (or past) delivery: event `number` of its subscription.
public struct SubscriptionEvent: Sendable, Hashable {
    public let subscriptionId: String
    public let number: Int64
    public let resourceType: String
    public let id: String
    public let version: Int
    /// When the change was committed (its `lastUpdated`), for commit-to-notification latency.
    public let committedAt: Date
    /// Whether the change deleted the resource (`version` is then the deletion's).
    public let deleted: Bool

    /// The id subscribers de-duplicate on: stable across retries and replays.
    public var eventId: String { "\(subscriptionId):\(number)" }

    /// The version whose content the event is about.
    var contentVersion: ResourceVersion { .content(type: resourceType, id: id, version: version, deleted: deleted) }
}

extension ResourceVersion {
    /// The version whose content a change is about: the one written, or for a deletion (which
    /// has no content) the one it removed.
    static func content(type: String, id: String, version: Int, deleted: Bool) -> ResourceVersion {
        ResourceVersion(type: type, id: id, version: deleted ? version - 1 : version)
    }
}

/// The SQL of the subscription tables (migrations 0009 and 0012): events and per-subscription delivery state.
enum SubscriptionEvents {
    /// Numbers `events` after each subscription's newest and records them, in the caller's
    /// transaction (the matcher's, which also moves its position).
    static func append(_ events: [MatchedChange], on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        try await connection.query("""
            WITH incoming AS (
                SELECT * FROM unnest(\(events.map(\.subscriptionId))::text[], \(events.map(\.change.resourceType))::text[],
                                     \(events.map(\.change.id))::text[], \(events.map(\.change.version))::bigint[],
                                     \(events.map(\.change.recordedAt))::timestamptz[],
                                     \(events.map { $0.change.operation == .delete })::boolean[])
                       WITH ORDINALITY AS e(subscription_id, resource_type, id, version, committed_at, deleted, ord)
            ), counters AS (
                INSERT INTO subscription_delivery AS d (subscription_id, matched)
                SELECT subscription_id, count(*) FROM incoming GROUP BY subscription_id
                ON CONFLICT (subscription_id) DO UPDATE SET matched = d.matched + EXCLUDED.matched
                RETURNING subscription_id, matched
            )
            INSERT INTO subscription_event (subscription_id, number, resource_type, id, version, committed_at, deleted)
            SELECT i.subscription_id,
                   c.matched - count(*) OVER (PARTITION BY i.subscription_id)
                             + row_number() OVER (PARTITION BY i.subscription_id ORDER BY i.ord),
                   i.resource_type, i.id, i.version, i.committed_at, i.deleted
              FROM incoming i JOIN counters c USING (subscription_id)
            """, logger: logger)
    }

    /// Events of `subscriptionId` numbered `from` or later, oldest first.
    static func events(of subscriptionId: String, from number: Int64, limit: Int, client: PostgresClient, logger: Logger) async throws -> [SubscriptionEvent] {
        let rows = try await client.query("""
            SELECT number, resource_type, id, version, committed_at, deleted FROM subscription_event
             WHERE subscription_id = \(subscriptionId) AND number >= \(number)
             ORDER BY number LIMIT \(limit)
            """, logger: logger)
        var events: [SubscriptionEvent] = []
        for try await (number, type, id, version, committedAt, deleted) in rows.decode((Int64, String, String, Int, Date, Bool).self) {
            events.append(SubscriptionEvent(subscriptionId: subscriptionId, number: number, resourceType: type, id: id,
                                            version: version, committedAt: committedAt, deleted: deleted))
        }
        return events
    }
}
