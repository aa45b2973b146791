import FHIRCore
import FHIRStore
import Hummingbird

/// An error answered as an `OperationOutcome` with its HTTP status.
public struct FHIRError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let outcome: OperationOutcome

    public init(_ status: HTTPResponse.Status, _ outcome: OperationOutcome) {
        self.status = status
        self.outcome = outcome
    }

    public init(_ status: HTTPResponse.Status, _ code: OperationOutcome.IssueType, _ diagnostics: String, expression: [String] = []) {
        self.init(status, OperationOutcome(.error, code, diagnostics, expression: expression))
    }

    /// The answer when the audit record of a request cannot be written (fail closed).
    static let auditUnavailable = FHIRError(.serviceUnavailable, .transient, "The audit log cannot be written, so the request is refused; try again later")

    static func badRequest(_ diagnostics: String, expression: [String] = []) -> FHIRError {
        FHIRError(.badRequest, .invalid, diagnostics, expression: expression)
    }

    /// 422 with every problem the validator found.
    static func invalidResource(_ issues: [OperationOutcome.Issue]) -> FHIRError {
        FHIRError(.unprocessableContent, OperationOutcome(issues: issues))
    }

    /// The answer for a store failure; each store error has exactly one status.
    init(_ error: StoreError) {
        switch error {
        case .unknownType(let type):
            self.init(.notFound, .notSupported, "Unknown resource type '\(type)'")
        case .notFound(let type, let id):
            self.init(.notFound, .notFound, "\(type)/\(id) is not known")
        case .versionNotFound(let type, let id, let version):
            self.init(.notFound, .notFound, "\(type)/\(id) has no version \(version)")
        case .deleted(let type, let id, let version):
            self.init(.gone, .deleted, "\(type)/\(id) was deleted (version \(version))")
        case .versionConflict(let type, let id, let expected, let current):
            let actual = current.map { "the current version is \($0)" } ?? "it does not exist"
            self.init(.preconditionFailed, .conflict, "If-Match expected \(type)/\(id) version \(expected), but \(actual)")
        case .alreadyExists(let type, let id):
            self.init(.conflict, .duplicate, "\(type)/\(id) already exists")
        case .concurrentUpdate(let type, let id):
            self.init(.conflict, .conflict, "\(type)/\(id) was changed concurrently; retry the request")
        case .transactionConflict(let attempts):
            self.init(.conflict, .conflict, "The transaction conflicted with concurrent writes \(attempts) times; retry it")
        case .transactionRolledBack:
            self.init(.internalServerError, .exception, "The transaction was rolled back by the database; nothing was written")
        case .unreadable(let type, let id, let reason):
            self.init(.internalServerError, .exception, "\(type)/\(id) could not be read back: \(reason)")
        case .appendOnly(let type):
            self.init(.methodNotAllowed, .notSupported, "\(type) resources are written only by the server's audit log; they can be read and searched")
        case .unindexable(let type, let id, let reason):
            self.init(.unprocessableContent, .processing, "\(type)/\(id) cannot be indexed for search: \(reason)")
        }
    }
}
