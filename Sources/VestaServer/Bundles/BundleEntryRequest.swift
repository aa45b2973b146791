import FHIRCore
import Foundation

/// One entry of a `transaction` or `batch` Bundle, as the client sent it: the interaction
/// (`request.method` and `request.url` split into type, id, version and query), the
/// resource, and the entry's preconditions.
struct BundleEntryRequest: Sendable {
    enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"
    }

    /// Position in `Bundle.entry`.
    let index: Int
    let fullUrl: String?
    let method: Method
    /// `request.url` as written, for messages.
    let url: String
    let type: String
    let id: String?
    /// `Type/id/_history/n` (GET only).
    let version: Int?
    /// The part after `?`: a search (GET) or a condition (PUT, PATCH, DELETE); nil without `?`.
    let query: [(name: String, value: String)]?
    var resource: JSONObject?
    /// `request.ifNoneExist` as parameters (POST only).
    let ifNoneExist: [(name: String, value: String)]?
    let ifMatch: Int?
    let ifNoneMatch: String?
    let ifModifiedSince: FHIRInstant?

    /// `Entry 3 (urn:uuid:…, POST Patient)`: how errors name the entry.
    var label: String {
        "Entry \(index) (\(fullUrl.map { "\($0), " } ?? "")\(method.rawValue) \(url))"
    }
}

/// A failure of one entry: the error as a single request would have answered it, and which
/// entry it was. A transaction answers it as its only response; a batch puts it in the entry.
struct BundleEntryError: Error, Sendable {
    let index: Int
    let label: String
    let error: FHIRError

    init(_ entry: BundleEntryRequest, _ error: FHIRError) {
        self.init(index: entry.index, label: entry.label, error: error)
    }

    init(index: Int, label: String, error: FHIRError) {
        self.index = index
        self.label = label
        self.error = error
    }

    /// The error's outcome with every issue naming the entry (`Bundle.entry[i]` first in
    /// `expression`, the label in front of `diagnostics`), and its status.
    var fhirError: FHIRError {
        let issues = error.outcome.issues.map { issue in
            var named = issue
            named.diagnostics = "\(label): \(issue.diagnostics)"
            named.expression = ["Bundle.entry[\(index)]"] + issue.expression
            return named
        }
        return FHIRError(error.status, OperationOutcome(issues: issues))
    }
}
