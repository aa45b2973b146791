import FHIRCore
import Foundation

/// One version of a resource as stored.
public struct StoredResource: Sendable {
    public let type: String
    public let id: String
    public let version: Int
    public let lastUpdated: FHIRInstant
    public let isDeleted: Bool
    /// The resource's JSON text (with `meta.versionId`/`meta.lastUpdated`); nil for a deletion.
    public let json: String?

    /// The weak ETag of this version, `W/"<version>"`.
    public var etag: String { "W/\"\(version)\"" }
}

/// One version of one resource, as a key.
public struct ResourceVersion: Sendable, Hashable {
    public let type: String
    public let id: String
    public let version: Int

    public init(type: String, id: String, version: Int) {
        self.type = type
        self.id = id
        self.version = version
    }
}

/// The outcome of a create or update.
public struct WriteResult: Sendable {
    public let resource: StoredResource
    /// True when the write created the resource (POST, or PUT of a new id).
    public let created: Bool
}

/// What a history query covers.
public enum HistoryScope: Sendable, Equatable {
    case system
    case type(String)
    case instance(type: String, id: String)
}

/// A history request: scope, filters, page size and the keyset cursor of the page.
public struct HistoryQuery: Sendable {
    public var scope: HistoryScope
    /// `_since`: only versions recorded at or after this instant.
    public var since: FHIRInstant?
    /// `_at`: only versions that were current at some point in `[start, end)`.
    public var at: Range<FHIRInstant>?
    /// `_count`: entries per page.
    public var count: Int
    /// Cursor: only entries older than this change-log position.
    public var before: Int64?

    public init(scope: HistoryScope, since: FHIRInstant? = nil, at: Range<FHIRInstant>? = nil, count: Int, before: Int64? = nil) {
        self.scope = scope
        self.since = since
        self.at = at
        self.count = count
        self.before = before
    }
}

/// One page of history, newest first.
public struct HistoryPage: Sendable {
    public struct Entry: Sendable {
        public enum Operation: String, Sendable { case create = "C", update = "U", delete = "D" }
        public let position: Int64
        public let operation: Operation
        public let resource: StoredResource
    }

    public let entries: [Entry]
    /// The cursor for the next (older) page, when there is one.
    public let nextBefore: Int64?
    /// Number of versions in scope, when cheap to know (instance history).
    public let total: Int?

    /// The page with only the entries `isIncluded` keeps (what the caller may see); the
    /// cursor stays, so paging goes on past the dropped entries, and the total is dropped
    /// with the first dropped entry (it counted what the caller may not see).
    public func keeping(_ isIncluded: (Entry) -> Bool) -> HistoryPage {
        let kept = entries.filter(isIncluded)
        return HistoryPage(entries: kept, nextBefore: nextBefore, total: kept.count == entries.count ? total : nil)
    }
}

/// Why a store operation did not happen. Each case maps to one HTTP status.
public enum StoreError: Error, Sendable, Equatable {
    case unknownType(String)
    case notFound(type: String, id: String)
    case versionNotFound(type: String, id: String, version: Int)
    case deleted(type: String, id: String, version: Int)
    /// `If-Match` named a version that is not the current one.
    case versionConflict(type: String, id: String, expected: Int, current: Int?)
    /// `create(_:type:id:)` found the id taken (by a live or a deleted resource).
    case alreadyExists(type: String, id: String)
    /// Another writer changed the resource concurrently and retries ran out.
    case concurrentUpdate(type: String, id: String)
    /// The stored body could not be read back (corruption or a sealing failure).
    case unreadable(type: String, id: String, reason: String)
    /// A transaction kept losing to concurrent transactions (serialization failure, deadlock or
    /// a racing insert of the same id) and ran out of attempts.
    case transactionConflict(attempts: Int)
    /// PostgreSQL rolled the transaction back at COMMIT: one of its statements had failed
    /// without the error reaching the store. Nothing was written.
    case transactionRolledBack
    /// A search parameter's expression could not be evaluated on the resource.
    case unindexable(type: String, id: String, reason: String)
    /// Resources of the type are only appended by the server (AuditEvent), never written by clients.
    case appendOnly(type: String)
}
