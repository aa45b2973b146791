import Foundation
import HTTPTypes
import FHIRCore
import FHIRSearch
import Hummingbird

/// Reading what a FHIR request carries: the body as a JSON object, and version preconditions.
enum RequestParsing {
    /// Collects at most `limit` bytes and parses them as one JSON object (a resource).
    static func jsonObject(_ request: Request, limit: Int) async throws -> JSONObject {
        let value = try await jsonValue(request, limit: limit)
        guard let object = value.objectValue else {
            throw FHIRError(.badRequest, .structure, "The body must be a JSON object, not \(value.kindName)")
        }
        return object
    }

    /// Collects at most `limit` bytes and parses them as JSON (a resource or a JSON Patch array).
    static func jsonValue(_ request: Request, limit: Int) async throws -> JSONValue {
        let bytes = try await body(request, limit: limit)
        guard !bytes.isEmpty else { throw FHIRError.badRequest("The request has no body; JSON was expected") }
        do {
            return try JSONReader.parse(bytes)
        } catch {
            throw FHIRError(.badRequest, .structure, "The body is not valid JSON: \(error)")
        }
    }

    /// The request body, at most `limit` bytes (larger → 413 with an OperationOutcome).
    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw FHIRError(.contentTooLarge, .tooLong, "The request body is larger than \(limit) bytes")
        }
    }

    /// The version named by `If-Match` (`W/"3"` or `"3"`), when present.
    static func ifMatchVersion(_ request: Request) throws -> Int? {
        guard let value = request.headers[.ifMatch] else { return nil }
        guard let version = version(fromETag: value) else {
            throw FHIRError.badRequest("If-Match must be a version ETag such as W/\"3\", not '\(value)'", expression: ["If-Match"])
        }
        return version
    }

    /// `W/"3"` or `"3"` → 3.
    static func version(fromETag etag: String) -> Int? {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return nil }
        return Int(text.dropFirst().dropLast())
    }

    /// A `_count` value: a positive integer, capped at `maximum`.
    static func count(_ request: Request, default defaultCount: Int, maximum: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("_count") else { return defaultCount }
        guard let count = Int(text), count >= 0 else {
            throw FHIRError.badRequest("_count must be a non-negative integer, not '\(text)'", expression: ["_count"])
        }
        return min(count, maximum)
    }

    /// The query string's parameters in order, names and values percent-decoded (`+` is a space).
    static func queryPairs(_ request: Request) -> [(name: String, value: String)] {
        request.uri.query.map(QueryString.pairs) ?? []
    }

    /// An `application/x-www-form-urlencoded` body (`POST [type]/_search`) as parameters.
    static func formPairs(_ request: Request, limit: Int) async throws -> [(name: String, value: String)] {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw FHIRError(.unsupportedMediaType, .notSupported,
                            "POST _search takes application/x-www-form-urlencoded parameters, not \(contentType)")
        }
        return QueryString.pairs(String(decoding: try await body(request, limit: limit), as: UTF8.self))
    }
}
