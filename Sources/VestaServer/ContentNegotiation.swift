import Foundation
import Hummingbird

/// FHIR content negotiation for JSON-only service: `_format` and `Accept` must allow JSON
/// (else 406) and request bodies must be JSON (else 415), except the form-encoded parameters
/// of `POST [type]/_search`.
struct ContentNegotiationMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let format = request.uri.queryParameters.get("_format") {
            let mediaType = MediaTypes.mediaType(format)
            guard MediaTypes.formatAliases.contains(mediaType) else {
                throw FHIRError(.notAcceptable, .notSupported, "_format '\(format)' is not supported; this server speaks JSON only", expression: ["_format"])
            }
        } else if let accept = request.headers[.accept] {
            let accepted = accept.split(separator: ",").map { MediaTypes.mediaType(String($0)) }
            guard accepted.contains(where: MediaTypes.jsonTypes.contains) else {
                throw FHIRError(.notAcceptable, .notSupported, "Accept '\(accept)' names no JSON type; this server speaks JSON only")
            }
        }
        if [.post, .put].contains(request.method), let contentType = request.headers[.contentType] {
            let mediaType = MediaTypes.mediaType(contentType)
            let isSearchForm = mediaType == "application/x-www-form-urlencoded" && request.uri.path.hasSuffix("/_search")
            guard MediaTypes.jsonTypes.contains(mediaType) || mediaType == "application/json-patch+json" || isSearchForm else {
                throw FHIRError(.unsupportedMediaType, .notSupported, "Content-Type '\(contentType)' is not supported; send application/fhir+json")
            }
        }
        return try await next(request, context)
    }
}

/// Media types this JSON-only server accepts and produces.
enum MediaTypes {
    static let jsonTypes: Set<String> = ["application/fhir+json", "application/json", "application/json+fhir", "json", "*/*", "application/*"]
    static let formatAliases: Set<String> = ["json", "application/json", "application/fhir+json", "application/json+fhir"]

    /// The lower-cased media type without parameters: `Application/FHIR+JSON; charset=utf-8` → `application/fhir+json`.
    static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }
}
