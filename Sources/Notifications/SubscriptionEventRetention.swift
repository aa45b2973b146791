import Logging
import PostgresNIO
import ServiceLifecycle

/// Prunes the subscription events nothing will send again: rows of `subscription_event` that
/// were delivered (or skipped while their Subscription was not active) and were recorded more
/// than `retention` ago. Pending events are never pruned, whatever their age. `$status` counts
/// come from the per-subscription counters, so pruning leaves them as they are; `$resend`
/// replays only the events still kept. The change log is not pruned (the feed replays from any
/// point). Every replica may run it: a row is deleted once, whoever gets there first.
public struct SubscriptionEventRetention: Service {
    let client: PostgresClient
    let retention: Duration
    let interval: Duration
    let batchSize: Int
    let logger: Logger

    /// - Parameters:
    ///   - retention: how long delivered events are kept (`--subscription-event-retention-hours`).
    ///   - interval: how often the service prunes.
    ///   - batchSize: rows deleted per statement, so no statement holds many locks or runs long.
    public init(client: PostgresClient, retention: Duration, interval: Duration = .seconds(600), batchSize: Int = 1000,
                logger: Logger) {
        self.client = client
        self.retention = retention
        self.interval = interval
        self.batchSize = max(batchSize, 1)
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let pruned = try await prune()
                    if pruned > 0 { logger.info("pruned delivered subscription events", metadata: ["events": "\(pruned)"]) }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("pruning subscription events failed; trying again later", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Deletes every event past the retention that is delivered, `batchSize` rows at a time;
    /// returns how many went.
    @discardableResult
    public func prune() async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted = try await pruneBatch()
            total += deleted
            if deleted < batchSize { break }
        }
        return total
    }

    /// One statement. A subscription's events are numbered in the order they were recorded, and
    /// delivered ones are numbers 1…delivered, so what may go is a prefix of its numbers: the
    /// subscriptions whose first kept event may go are found with one index probe each, and
    /// their first `batchSize` events are looked at, never their whole history.
    private func pruneBatch() async throws -> Int {
        let rows = try await client.query("""
            WITH due AS (
                SELECT d.subscription_id, d.delivered FROM subscription_delivery d
                 CROSS JOIN LATERAL (SELECT number, matched_at FROM subscription_event e
                                      WHERE e.subscription_id = d.subscription_id ORDER BY number LIMIT 1) oldest
                 WHERE oldest.number <= d.delivered AND oldest.matched_at < now() - make_interval(secs => \(retention.seconds))
            ), doomed AS (
                SELECT e.subscription_id, e.number FROM due
                 CROSS JOIN LATERAL (SELECT subscription_id, number, matched_at FROM subscription_event e
                                      WHERE e.subscription_id = due.subscription_id AND e.number <= due.delivered
                                      ORDER BY number LIMIT \(batchSize)) e
                 WHERE e.matched_at < now() - make_interval(secs => \(retention.seconds))
                 LIMIT \(batchSize)
            ), gone AS (
                DELETE FROM subscription_event e USING doomed
                 WHERE e.subscription_id = doomed.subscription_id AND e.number = doomed.number
                RETURNING 1
            )
            SELECT count(*) FROM gone
            """, logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}
