import FHIRStore
import Foundation
import Logging
import PostgresNIO

/// A sink a server has leased: the changes after `position` are its to send.
struct EventSinkLease: Sendable {
    let position: ChangePosition
    /// Failed attempts in a row at the next batch.
    let attempts: Int
}

/// Where each webhook sink of the change feed stands (`event_sink`, migration 0011): its
/// position in the log, which server holds it, its failures. A server leases a sink while it
/// delivers, so replicas configured with the same sinks do not send each batch twice; every
/// change is one statement, so a crash leaves the old or the new state.
struct EventSinkCursors: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// How long a lease lasts: a server that dies gives its sinks up after this, and another
    /// sends from the last acknowledged batch (at least once).
    static let lease = 60

    /// Adds the sink's row, at the start of the log, unless it is there already.
    func register(_ url: String) async throws {
        try await client.query("INSERT INTO event_sink (url) VALUES (\(url)) ON CONFLICT (url) DO NOTHING", logger: logger)
    }

    /// Leases the sink to `owner`, or renews the lease it holds; nil while another server holds
    /// it or its next attempt is not due.
    func claim(_ url: String, owner: UUID) async throws -> EventSinkLease? {
        let rows = try await client.query("""
            UPDATE event_sink SET leased_by = \(owner), leased_until = clock_timestamp() + make_interval(secs => \(Self.lease))
             WHERE url = \(url) AND next_attempt <= clock_timestamp()
               AND (leased_by IS NULL OR leased_by = \(owner) OR leased_until < clock_timestamp())
            RETURNING tx::text, seq, attempts
            """, logger: logger)
        for try await (tx, seq, attempts) in rows.decode((String, Int64, Int).self) {
            guard let tx = UInt64(tx) else { return nil }
            return EventSinkLease(position: ChangePosition(tx: tx, seq: seq), attempts: attempts)
        }
        return nil
    }

    /// The sink accepted the changes through `position`: it continues after them, failures are
    /// forgotten and the lease renewed. False when `owner` no longer holds the sink.
    func advance(_ url: String, owner: UUID, to position: ChangePosition, events: Int) async throws -> Bool {
        let rows = try await client.query("""
            UPDATE event_sink
               SET tx = \(String(position.tx))::xid8, seq = \(position.seq), delivered = delivered + \(Int64(events)),
                   attempts = 0, failing_since = NULL, last_delivered_at = clock_timestamp(),
                   leased_until = clock_timestamp() + make_interval(secs => \(Self.lease))
             WHERE url = \(url) AND leased_by = \(owner)
            RETURNING 1
            """, logger: logger)
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// The next batch failed: try again after `retryAfter` (whichever server then claims the sink).
    func failed(_ url: String, owner: UUID, error: String, retryAfter: Duration) async throws {
        try await client.query("""
            UPDATE event_sink
               SET attempts = attempts + 1, failed_attempts = failed_attempts + 1,
                   failing_since = coalesce(failing_since, clock_timestamp()), last_error = \(error),
                   next_attempt = clock_timestamp() + make_interval(secs => \(retryAfter.seconds)),
                   leased_by = NULL, leased_until = NULL
             WHERE url = \(url) AND leased_by = \(owner)
            """, logger: logger)
    }

    /// Gives the lease back (at shutdown), so another server, or this one restarted, goes on at once.
    func release(_ url: String, owner: UUID) async throws {
        try await client.query(
            "UPDATE event_sink SET leased_by = NULL, leased_until = NULL WHERE url = \(url) AND leased_by = \(owner)", logger: logger)
    }
}
