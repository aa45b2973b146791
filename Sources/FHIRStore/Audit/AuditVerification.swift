/// What `AuditChain.verify()` found: the chain intact, or the first problem in chain order.
public struct AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// A sign of tampering, with where it is.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The chain row after position `expected - 1` is at `found`: chain rows were removed.
        case positionGap(expected: Int64, found: Int64)
        /// The chain row at `position` does not link to the hash of the row before it: the
        /// chain was edited.
        case brokenLink(position: Int64, key: Int64)
        /// The record chained at `position` is no longer in `r_auditevent`: it was deleted.
        case recordMissing(position: Int64, key: Int64)
        /// The record chained at `position` no longer hashes to the chain row's hash: it was
        /// edited (or the chain row's hash was).
        case recordAltered(position: Int64, key: Int64)
        /// A record of a transaction the chain had already passed is not in the chain: it was
        /// inserted outside the chainer (by hand, with an old `tx`).
        case recordOutsideChain(key: Int64, tx: String)

        public var description: String {
            switch self {
            case .positionGap(let expected, let found):
                "chain rows are missing: expected position \(expected), the next row is at \(found) (audit_chain rows were deleted)"
            case .brokenLink(let position, let key):
                "the chain row at position \(position) (record key \(key)) does not link to the hash of the row before it (audit_chain was edited)"
            case .recordMissing(let position, let key):
                "the record chained at position \(position) (key \(key)) is missing from r_auditevent (it was deleted)"
            case .recordAltered(let position, let key):
                "the record chained at position \(position) (key \(key)) does not match its hash (the record or its chain row was edited)"
            case .recordOutsideChain(let key, let tx):
                "the record with key \(key) (transaction \(tx)) is older than the chain's watermark but not in the chain (it was inserted outside the chainer)"
            }
        }
    }

    /// The last chain row when the verification read the chain; nil for an empty chain.
    public let head: AuditChain.Head?
    /// Chain rows whose record was found and hashed as chained, before any problem.
    public let recordsVerified: Int
    /// Records not chained yet because their transaction was at or above the chain's watermark
    /// (still open, or committed after the last extension).
    public let recordsPending: Int
    /// The first sign of tampering in chain order; nil when the chain is intact.
    public let firstProblem: Problem?

    /// Whether no problem was found.
    public var isIntact: Bool { firstProblem == nil }

    public var description: String {
        let headText = head.map { "head at position \($0.position), hash \($0.hash)" } ?? "the chain is empty"
        let pendingText = "\(recordsPending) record\(recordsPending == 1 ? "" : "s") newer than the chain's watermark not chained yet"
        guard let firstProblem else {
            return "audit chain intact: \(recordsVerified) record\(recordsVerified == 1 ? "" : "s") verified; \(headText); \(pendingText)"
        }
        return "audit chain BROKEN: \(firstProblem); \(recordsVerified) record\(recordsVerified == 1 ? "" : "s") verified before it; \(headText); \(pendingText)"
    }
}
