import FHIRCore
import FHIRSearch
import FHIRStore
import Logging
import PostgresNIO
import Synchronization

/// Turns committed changes into subscription events. The change log is the outbox (DESIGN §4):
/// every write appends to it in its own transaction, and the matcher reads it in order below
/// the transaction watermark, evaluates each changed resource against the active
/// Subscriptions in memory (the same index values search stores, no query per subscription),
/// and records the matches as numbered events, advancing its position in the same
/// transaction. A crash at any moment repeats no event and loses none.
///
/// Subscriptions themselves are read from the log too: a Subscription written at some
/// position applies, as that version says, to the changes after it. Replicas take turns under
/// the position's row lock; one that finds the position moved by another reloads its
/// Subscriptions as of that position. Meant to be driven by one task (`NotificationService`).
///
/// A deletion is judged on the version it removed: it raises an event for the Subscriptions
/// that version met. Criteria that need other resources (chains, `_has`) are asked of the search
/// index, which no longer holds a deleted resource, so they are not notified of deletions.
public final class SubscriptionMatcher: Sendable {
    /// One Subscription being matched.
    struct Active {
        let definition: SubscriptionDefinition
        /// Changes after this position are matched (the change that stored this version).
        let from: ChangePosition
        /// The parameters its criteria read (`SearchMatcher.parameterCodes(of:)`).
        let parameterCodes: Set<String>

        init(definition: SubscriptionDefinition, from: ChangePosition) {
            self.definition = definition
            self.from = from
            parameterCodes = SearchMatcher.parameterCodes(of: definition.criteria.criteria)
        }
    }

    let client: PostgresClient
    let store: ResourceStore
    let parser: SearchQueryParser
    let logger: Logger
    let batchSize: Int
    private let matcher = SearchMatcher()
    /// The Subscriptions being matched by id, and the log position they are current for (nil
    /// before the first load, or after a turn that failed).
    private let state = Mutex<(active: [String: Active], loadedAt: ChangePosition?)>(([:], nil))

    public init(client: PostgresClient, store: ResourceStore, parser: SearchQueryParser, batchSize: Int = 500, logger: Logger) {
        self.client = client
        self.store = store
        self.parser = parser
        self.batchSize = max(batchSize, 1)
        self.logger = logger
    }

    /// Matches the next window of committed changes; returns how many changes it read (0 when
    /// it is caught up or another replica holds the turn).
    @discardableResult
    public func matchPending() async throws -> Int {
        do {
            return try await matchWindow()
        } catch {
            state.withLock { $0.loadedAt = nil }  // `active` may hold changes whose position was not committed
            throw error
        }
    }

    private func matchWindow() async throws -> Int {
        // A read-only look first: an idle server polls often, and taking the position's row
        // lock costs a transaction id and a WAL record each time.
        let pending = try await client.query("""
            SELECT EXISTS (SELECT 1 FROM subscription_matcher m, LATERAL (
                               SELECT 1 FROM change_log c
                                WHERE (c.tx, c.seq) > (m.tx, m.seq) AND c.tx < pg_snapshot_xmin(pg_current_snapshot())
                                ORDER BY c.tx, c.seq LIMIT 1) AS unread)
            """, logger: logger)
        for try await exists in pending.decode(Bool.self) where !exists { return 0 }
        return try await client.inTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT tx::text, seq FROM subscription_matcher FOR UPDATE SKIP LOCKED", logger: logger)
            var position: ChangePosition?
            for try await (tx, seq) in rows.decode((String, Int64).self) {
                position = UInt64(tx).map { ChangePosition(tx: $0, seq: seq) }
            }
            guard let position else { return 0 }
            if state.withLock({ $0.loadedAt }) != position { try await reload(at: position, on: connection) }
            let changes = try await ChangeLog.read(after: position, limit: batchSize, on: connection, logger: logger)
            guard let last = changes.last else { return 0 }
            var events: [MatchedChange] = []
            // Subscription changes apply in order, so the bodies are read in runs between them.
            var run: [Change] = []
            for change in changes {
                if change.resourceType == "Subscription" {
                    events += try await matches(of: run)
                    run = []
                    try await apply(change)
                } else {
                    run.append(change)
                }
            }
            events += try await matches(of: run)
            try await SubscriptionEvents.append(events, on: connection, logger: logger)
            try await connection.query(
                "UPDATE subscription_matcher SET tx = \(String(last.position.tx))::xid8, seq = \(last.position.seq)", logger: logger)
            state.withLock { $0.loadedAt = last.position }
            return changes.count
        }
    }

    /// The Subscriptions in force at `position`: each one's newest version at or before it.
    private func reload(at position: ChangePosition, on connection: PostgresConnection) async throws {
        state.withLock { $0.active = [:] }
        for change in try await ChangeLog.latest(of: "Subscription", through: position, on: connection, logger: logger) {
            try await apply(change)
        }
        state.withLock { $0.loadedAt = position }
    }

    /// Takes the Subscription version `change` wrote into account from its position on.
    private func apply(_ change: Change) async throws {
        state.withLock { _ = $0.active.removeValue(forKey: change.id) }
        guard change.operation != .delete else { return }
        let stored = try await store.read(type: "Subscription", id: change.id, version: change.version)
        guard let json = stored.json, let resource = try JSONReader.parse(json).objectValue else { return }
        switch SubscriptionDefinition.read(resource, parser: parser) {
        case .success(let definition) where definition.status == .active:
            state.withLock { $0.active[change.id] = Active(definition: definition, from: change.position) }
        case .success:
            return
        case .failure(let error):
            // Admission checks every write; a version stored before it existed may not pass.
            logger.warning("Subscription is not matched: it does not check out", metadata: [
                "subscription": "\(change.id)", "version": "\(change.version)",
                "problems": "\(error.issues.map(\.diagnostics).joined(separator: "; "))",
            ])
        }
    }

    /// The events `changes` raise, in order: one per change and active Subscription on its type
    /// whose criteria it meets. The versions that can match are read in one go.
    private func matches(of changes: [Change]) async throws -> [MatchedChange] {
        let active = state.withLock { $0.active.values }
        let candidates = changes.map { change in
            active.filter {
                $0.definition.criteria.resourceType == change.resourceType && $0.from < change.position
                    && ($0.definition.end.map { change.recordedAt <= $0 } ?? true)
            }.sorted { $0.definition.id < $1.definition.id }
        }
        let wanted = zip(changes, candidates).filter { !$1.isEmpty }.map { change, _ in change.contentVersion }
        guard !wanted.isEmpty else { return [] }
        let texts = try await store.read(versions: wanted)
        var events: [MatchedChange] = []
        for (change, subscriptions) in zip(changes, candidates) where !subscriptions.isEmpty {
            guard let json = texts[change.contentVersion] else { continue }
            events += try await matches(of: change, json: json, subscriptions: subscriptions)
        }
        return events
    }

    /// The events one change raises among `subscriptions` (those on its type), judged on `json`,
    /// its content version, indexed for only the parameters their criteria read.
    private func matches(of change: Change, json: String, subscriptions: [Active]) async throws -> [MatchedChange] {
        let read = subscriptions.reduce(into: Set<String>()) { $0.formUnion($1.parameterCodes) }
        let entries = try store.indexer.indexValues(for: try JSONReader.parse(json), only: read)
        var events: [MatchedChange] = []
        for subscription in subscriptions {
            let matched: Bool
            switch matcher.match(subscription.definition.criteria.criteria, entries: entries) {
            case .matches: matched = true
            case .doesNotMatch: matched = false
            case .needsDatabase where change.operation == .delete: matched = false  // gone from the index
            case .needsDatabase: matched = try await currentVersionMatches(subscription.definition, change: change)
            }
            if matched { events.append(MatchedChange(subscriptionId: subscription.definition.id, change: change)) }
        }
        return events
    }

    /// Chained and `_has` criteria need other resources: asks the search index whether the
    /// changed resource (as it is now) meets them.
    private func currentVersionMatches(_ definition: SubscriptionDefinition, change: Change) async throws -> Bool {
        var query = definition.criteria
        query.criteria.append(contentsOf: try parser.parse(
            resourceType: change.resourceType, parameters: [("_id", change.id)], strict: true).criteria)
        query.includes = []
        query.sort = []
        query.cursor = nil
        return try await !store.search(query, count: 1).matches.isEmpty
    }
}

extension Change {
    /// The version whose content criteria are judged on: the one written, or the one a deletion removed.
    var contentVersion: ResourceVersion {
        .content(type: resourceType, id: id, version: version, deleted: operation == .delete)
    }
}

/// A change that matched a subscription, before it is numbered.
struct MatchedChange: Sendable {
    let subscriptionId: String
    let change: Change
}
