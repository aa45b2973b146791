import FHIRCore
import FHIRDefinitions
import FHIRSearch
import Foundation

/// Reads a posted Bundle: its kind and each entry's request. A malformed entry is an error
/// of that entry only (a batch answers the others; a transaction fails as a whole).
struct BundleRequestParser {
    enum Kind: String, Sendable {
        case transaction, batch

        var responseType: String { "\(rawValue)-response" }
    }

    let definitions: FHIRDefinitions
    /// This server's `[base]`: absolute request URLs under it are taken as relative.
    let baseURL: String

    /// The Bundle's kind; any type but `transaction` and `batch` is a 400.
    func kind(of bundle: JSONObject) throws -> Kind {
        guard bundle["resourceType"] == "Bundle" else {
            throw FHIRError.badRequest("POST [base] takes a Bundle, not \(bundle["resourceType"]?.stringValue ?? "a body without resourceType")",
                                       expression: ["resourceType"])
        }
        let type = bundle["type"]?.stringValue ?? ""
        guard let kind = Kind(rawValue: type) else {
            throw FHIRError.badRequest("POST [base] processes Bundles of type transaction or batch, not '\(type)'", expression: ["Bundle.type"])
        }
        return kind
    }

    /// The entries in order, each parsed or failed.
    func entries(of bundle: JSONObject) throws -> [Result<BundleEntryRequest, BundleEntryError>] {
        guard let values = bundle["entry"] else { return [] }
        guard let array = values.arrayValue else { throw FHIRError.badRequest("Bundle.entry must be an array", expression: ["Bundle.entry"]) }
        return array.enumerated().map { index, value in
            let object = value.objectValue ?? JSONObject()
            let method = object["request"]?["method"]?.stringValue ?? "?"
            let url = object["request"]?["url"]?.stringValue ?? "?"
            let fullUrl = object["fullUrl"]?.stringValue
            let label = "Entry \(index) (\(fullUrl.map { "\($0), " } ?? "")\(method) \(url))"
            do {
                return .success(try entry(object, index: index))
            } catch let error as FHIRError {
                return .failure(BundleEntryError(index: index, label: label, error: error))
            } catch {
                return .failure(BundleEntryError(index: index, label: label, error: FHIRError.badRequest("\(error)")))
            }
        }
    }

    private func entry(_ object: JSONObject, index: Int) throws -> BundleEntryRequest {
        guard let request = object["request"]?.objectValue else {
            throw FHIRError.badRequest("The entry has no request", expression: ["Bundle.entry[\(index)].request"])
        }
        let methodText = request["method"]?.stringValue ?? ""
        guard let method = BundleEntryRequest.Method(rawValue: methodText) else {
            throw FHIRError(.methodNotAllowed, .notSupported, "request.method must be GET, POST, PUT, PATCH or DELETE, not '\(methodText)'")
        }
        guard let url = request["url"]?.stringValue, !url.isEmpty else {
            throw FHIRError.badRequest("The entry has no request.url", expression: ["Bundle.entry[\(index)].request.url"])
        }
        let target = try target(url)
        var resource: JSONObject?
        if let value = object["resource"] {
            guard let resourceObject = value.objectValue else { throw FHIRError.badRequest("entry.resource must be a JSON object") }
            resource = resourceObject
        }
        let ifMatch = try request["ifMatch"]?.stringValue.map { text in
            guard let version = RequestParsing.version(fromETag: text) else {
                throw FHIRError.badRequest("request.ifMatch must be a version ETag such as W/\"3\", not '\(text)'")
            }
            return version
        }
        let ifModifiedSince = try request["ifModifiedSince"]?.stringValue.map { text in
            guard let instant = FHIRInstant(parsing: text) else {
                throw FHIRError.badRequest("request.ifModifiedSince must be a FHIR instant, not '\(text)'")
            }
            return instant
        }
        return BundleEntryRequest(
            index: index, fullUrl: object["fullUrl"]?.stringValue, method: method, url: url,
            type: target.type, id: target.id, version: target.version, query: target.query, resource: resource,
            ifNoneExist: request["ifNoneExist"]?.stringValue.map(FHIRAPI.ifNoneExistParameters),
            ifMatch: ifMatch, ifNoneMatch: request["ifNoneMatch"]?.stringValue, ifModifiedSince: ifModifiedSince)
    }

    /// `Patient`, `Patient/1`, `Patient/1/_history/2`, `Patient?identifier=…`, with or without a
    /// leading `/` or this server's base. An absolute URL elsewhere is read from its first
    /// resource type segment on (`http://example.org/fhir/Patient/1` → `Patient/1`).
    func target(_ url: String) throws -> (type: String, id: String?, version: Int?, query: [(name: String, value: String)]?) {
        var text = Substring(url)
        if text.hasPrefix(baseURL + "/") { text = text.dropFirst(baseURL.count + 1) }
        let questionMark = text.firstIndex(of: "?")
        let path = questionMark.map { text[..<$0] } ?? text
        let query = questionMark.map { QueryString.pairs(String(text[text.index(after: $0)...])) }
        var segments = path.split(separator: "/").map(String.init)
        if path.contains("://"), let start = segments.firstIndex(where: definitions.isResourceType) {
            segments = Array(segments[start...])
        }
        guard let type = segments.first else { throw FHIRError.badRequest("request.url '\(url)' names no resource type") }
        if let operation = segments.first(where: { $0.hasPrefix("$") || $0 == "_search" }) {
            throw FHIRError(.badRequest, .notSupported, "Operations (\(operation)) are not supported inside a Bundle")
        }
        guard definitions.isResourceType(type) else { throw FHIRError(.notFound, .notSupported, "Unknown resource type '\(type)'") }
        let id = segments.count > 1 ? segments[1] : nil
        if let id, !FHIRId.isValid(id) { throw FHIRError.badRequest("'\(id)' is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)") }
        switch segments.count {
        case 1, 2:
            return (type, id, nil, query)
        case 4 where segments[2] == "_history":
            guard let version = Int(segments[3]), version > 0 else { throw FHIRError(.notFound, .notFound, "Version ids are positive integers") }
            return (type, id, version, query)
        default:
            throw FHIRError.badRequest("request.url '\(url)' is not [type], [type]/[id], [type]/[id]/_history/[vid] or [type]?[search]")
        }
    }
}
