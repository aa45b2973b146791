import FHIRCore
import FHIRStore
import Foundation
import Hummingbird

/// What one entry did, as its `Bundle.entry.response` (and `resource`) reports it.
struct BundleEntryResult: Sendable {
    let status: HTTPResponse.Status
    /// The version written, read or deleted: `etag`, `lastModified`, and (for writes that leave
    /// a resource) `location`; its body is the entry's `resource` when asked for.
    var resource: StoredResource?
    /// A write (the body is returned per `Prefer: return=`); reads always return their body.
    var isWrite = false
    /// No `resource` in the entry (304 Not Modified).
    var bodyOmitted = false
    /// A body that is not one stored resource: the searchset Bundle of a GET search.
    var body: String?
    /// What `Prefer: return=OperationOutcome` reports for a successful write.
    var message: String?
    /// Why a batch entry failed.
    var outcome: OperationOutcome?

    static func failed(_ error: BundleEntryError) -> BundleEntryResult {
        let named = error.fhirError
        return BundleEntryResult(status: named.status, outcome: named.outcome)
    }
}

/// The `transaction-response` or `batch-response` Bundle: one entry per request entry, in
/// the same order. Stored resource text is spliced in as is.
struct BundleResponse {
    let type: String
    let results: [BundleEntryResult]
    let baseURL: String
    let preferredReturn: ResponseOptions.Return

    var text: String {
        var members: [String] = [
            #""resourceType":"Bundle""#,
            #""id":"\#(FHIRId.generate())""#,
            #""meta":{"lastUpdated":"\#(FHIRInstant.now().fhirString)"}"#,
            #""type":\#(JSONWriter.string(.string(type)))"#,
        ]
        let entries = results.map(entry)
        if !entries.isEmpty { members.append(#""entry":[\#(entries.joined(separator: ","))]"#) }
        return "{" + members.joined(separator: ",") + "}"
    }

    private func entry(_ result: BundleEntryResult) -> String {
        var members: [String] = []
        var response = [#""status":\#(quoted("\(result.status.code) \(result.status.reasonPhrase)"))"#]
        if let resource = result.resource {
            if !resource.isDeleted { members.append(#""fullUrl":\#(quoted("\(baseURL)/\(resource.type)/\(resource.id)"))"#) }
            if result.isWrite, !resource.isDeleted {
                response.append(#""location":\#(quoted("\(resource.type)/\(resource.id)/_history/\(resource.version)"))"#)
            }
            response.append(#""etag":\#(quoted(resource.etag))"#)
            response.append(#""lastModified":\#(quoted(resource.lastUpdated.fhirString))"#)
        }
        if let body = result.body {
            members.append(#""resource":\#(body)"#)
        } else if let json = result.resource?.json, !result.bodyOmitted, !result.isWrite || preferredReturn == .representation {
            members.append(#""resource":\#(json)"#)
        }
        if let outcome = result.outcome {
            response.append(#""outcome":\#(JSONWriter.string(outcome.json))"#)
        } else if result.isWrite, preferredReturn == .operationOutcome, let message = result.message {
            response.append(#""outcome":\#(JSONWriter.string(OperationOutcome(.information, .informational, message).json))"#)
        }
        members.append(#""response":{\#(response.joined(separator: ","))}"#)
        return "{" + members.joined(separator: ",") + "}"
    }

    private func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }
}
