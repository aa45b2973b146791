import FHIRCore
import FHIRStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// Pushes the change feed to one webhook sink, until cancelled: leases the sink, reads the
/// changes after its position (of finished transactions only, as `GET /events` does), POSTs
/// them as one JSON array of up to `batchSize` events, and moves the position past them once
/// the sink answers 2xx. A failed batch is sent again, from the same position, after an
/// exponential backoff with jitter, for as long as it takes (logged, and counted in the metrics).
struct EventSinkDelivery: Sendable {
    let sink: EventSink
    let cursors: EventSinkCursors
    let renderer: ChangeEventRenderer
    let webhook: WebhookClient
    let metrics: EventSinkMetrics
    let settings: EventSinkService.Settings
    /// This server's lease holder id.
    let owner: UUID
    let logger: Logger

    /// The lease this server holds, and when it was last renewed.
    private struct Held {
        let lease: EventSinkLease
        let renewed: ContinuousClock.Instant
    }

    /// A held lease is renewed after a third of its length, so it never lapses while idle.
    private static let renewal = Duration.seconds(EventSinkCursors.lease) / 3

    private var url: String { sink.url.absoluteString }

    func run() async {
        var held: Held?
        var registered = false
        while !Task.isCancelled {
            do {
                if !registered {
                    try await cursors.register(url)
                    registered = true
                }
                held = try await round(held)
            } catch {
                if Task.isCancelled { break }
                logger.warning("event sink round failed; trying again", metadata: ["sink": "\(sink.displayName)", "error": "\(String(reflecting: error))"])
                held = nil
                try? await Task.sleep(for: settings.claimInterval)
            }
        }
        guard held != nil else { return }
        // Cancelled (shutdown): give the lease back outside the cancelled task, so a restart goes on at once.
        let (cursors, url, owner) = (cursors, url, owner)
        await Task.detached { try? await cursors.release(url, owner: owner) }.value
    }

    /// Claims or renews the sink when needed, then sends the next batch if there is one;
    /// returns the lease held afterwards.
    private func round(_ held: Held?) async throws -> Held? {
        var current = held
        if current.map({ ContinuousClock.now - $0.renewed > Self.renewal }) ?? true {
            guard let lease = try await cursors.claim(url, owner: owner) else {
                try? await Task.sleep(for: settings.claimInterval)
                return nil
            }
            current = Held(lease: lease, renewed: .now)
        }
        guard let current else { return nil }
        let changes = try await ChangeLog.read(after: current.lease.position, limit: settings.batchSize, on: cursors.client, logger: logger)
        guard let last = changes.last else {
            try? await Task.sleep(for: settings.pollInterval)
            return current
        }
        let batch = JSONWriter.bytes(.array(changes.map { renderer.event($0, as: sink.format) }))
        do {
            _ = try await webhook.send(.POST, to: sink.url, headers: [], body: (sink.contentType, ByteBuffer(bytes: batch)))
        } catch {
            if Task.isCancelled { return current }  // shutting down: not the sink's failure
            let attempts = current.lease.attempts + 1
            let retryAfter = Backoff.delay(attempts: attempts)
            metrics.failed()
            logger.warning("event sink delivery failed; will retry", metadata: [
                "sink": "\(sink.displayName)", "attempts": "\(attempts)", "retry_after": "\(retryAfter)", "error": "\(error)",
            ])
            try await cursors.failed(url, owner: owner, error: "\(error)", retryAfter: retryAfter)
            return nil
        }
        metrics.delivered(events: changes.count)
        guard try await cursors.advance(url, owner: owner, to: last.position, events: changes.count) else { return nil }
        return Held(lease: EventSinkLease(position: last.position, attempts: 0), renewed: .now)
    }
}
