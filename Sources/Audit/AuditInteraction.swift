/// The interactions the audit log records, with their BALP/FHIR codes.
public enum AuditInteraction: Sendable, Equatable {
    case read, vread, searchType, searchSystem, historyInstance, historyType, historySystem
    case create, update, patch, delete
    /// A transaction or batch Bundle (its entries' writes are recorded one by one too).
    case transaction, batch
    /// `$everything`, `$lastn`, `$validate`, device ingestion, the mapping debugger, ….
    case operation(String)

    /// `http://hl7.org/fhir/restful-interaction` code.
    public var restfulCode: String {
        switch self {
        case .read: "read"
        case .vread: "vread"
        case .searchType: "search-type"
        case .searchSystem: "search-system"
        case .historyInstance: "history-instance"
        case .historyType: "history-type"
        case .historySystem: "history-system"
        case .create: "create"
        case .update: "update"
        case .patch: "patch"
        case .delete: "delete"
        case .transaction: "transaction"
        case .batch: "batch"
        case .operation: "operation"
        }
    }

    /// The AuditEvent action: C, R, U, D or E (execute).
    public var action: String {
        switch self {
        case .read, .vread, .searchType, .searchSystem, .historyInstance, .historyType, .historySystem: "R"
        case .create: "C"
        case .update, .patch: "U"
        case .delete: "D"
        case .transaction, .batch, .operation: "E"
        }
    }

    /// Whether the store records it, in the transaction of the write itself.
    public var isSingleWrite: Bool {
        switch self {
        case .create, .update, .patch, .delete: true
        default: false
        }
    }
}
