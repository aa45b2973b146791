import Foundation
import Logging
import PostgresNIO

/// A place in the change log's reading order: the writing transaction's id, then the row's
/// sequence number. Readers take only rows of finished transactions (below the snapshot's
/// xmin), so a row that appears later always sorts after every position already handed out.
public struct ChangePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let tx: UInt64
    public let seq: Int64

    /// Before every change.
    public static let start = ChangePosition(tx: 0, seq: 0)

    public init(tx: UInt64, seq: Int64) {
        self.tx = tx
        self.seq = seq
    }

    /// Reads the cursor form `tx-seq` (as `description` writes it).
    public init?(cursor: String) {
        let parts = cursor.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let tx = UInt64(parts[0]), let seq = Int64(parts[1]), seq >= 0 else { return nil }
        self.init(tx: tx, seq: seq)
    }

    /// `tx-seq`: the opaque cursor clients pass back.
    public var description: String { "\(tx)-\(seq)" }

    public static func < (lhs: ChangePosition, rhs: ChangePosition) -> Bool {
        (lhs.tx, lhs.seq) < (rhs.tx, rhs.seq)
    }
}

/// One committed create, update or delete.
public struct Change: Sendable, Hashable {
    public enum Operation: String, Sendable {
        case create = "C", update = "U", delete = "D"
    }

    public let position: ChangePosition
    public let resourceType: String
    public let id: String
    public let version: Int
    public let operation: Operation
    /// When the write happened (the version's `meta.lastUpdated`).
    public let recordedAt: Date
}

/// Reads the change log in commit-safe order for the consumers DESIGN §4 names: the change
/// feed and the subscription matcher.
public enum ChangeLog {
    /// At most `limit` changes after `position`, in reading order, of transactions that have
    /// finished. A long-running transaction holds back the changes after its own until it ends.
    public static func read(
        after position: ChangePosition, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Change] {
        try await decode(connection.query(statement(after: position, limit: limit), logger: logger))
    }

    /// `read` on a pooled connection.
    public static func read(
        after position: ChangePosition, limit: Int, on client: PostgresClient, logger: Logger
    ) async throws -> [Change] {
        try await decode(client.query(statement(after: position, limit: limit), logger: logger))
    }

    /// The newest change of each resource of `type` at or before `position`: which version of
    /// each a reader that has reached `position` has seen (deletions included).
    public static func latest(
        of type: String, through position: ChangePosition, on connection: PostgresConnection, logger: Logger
    ) async throws -> [Change] {
        try await decode(connection.query("""
            SELECT DISTINCT ON (id) tx::text, seq, resource_type, id, version, operation::text, recorded_at
              FROM change_log
             WHERE resource_type = \(type) AND (tx, seq) <= (\(String(position.tx))::xid8, \(position.seq))
             ORDER BY id, seq DESC
            """, logger: logger))
    }

    private static func statement(after position: ChangePosition, limit: Int) -> PostgresQuery {
        let tx = String(position.tx)
        return """
            SELECT tx::text, seq, resource_type, id, version, operation::text, recorded_at
              FROM change_log
             WHERE (tx, seq) > (\(tx)::xid8, \(position.seq))
               AND tx < pg_snapshot_xmin(pg_current_snapshot())
             ORDER BY tx, seq
             LIMIT \(max(limit, 1))
            """
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Change] {
        var changes: [Change] = []
        for try await (tx, seq, type, id, version, operation, recordedAt) in rows.decode(
            (String, Int64, String, String, Int, String, Date).self
        ) {
            guard let tx = UInt64(tx), let operation = Change.Operation(rawValue: operation) else { continue }
            changes.append(Change(position: ChangePosition(tx: tx, seq: seq), resourceType: type, id: id,
                                  version: version, operation: operation, recordedAt: recordedAt))
        }
        return changes
    }
}
