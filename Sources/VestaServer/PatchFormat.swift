import FHIRCore
import Foundation

/// The patch formats `PATCH [type]/[id]` accepts, chosen by Content-Type: JSON Patch
/// (RFC 6902, the FHIR JSON format) and JSON Merge Patch (RFC 7386, what clients such as
/// fhirpy send). A JSON object sent as `application/json` or `application/fhir+json` is a merge
/// patch; JSON Patch documents are arrays, so the two never collide.
enum PatchFormat {
    case jsonPatch
    case mergePatch

    init(contentType: String?, document: JSONValue) throws {
        switch contentType.map(MediaTypes.mediaType) {
        case "application/json-patch+json":
            self = .jsonPatch
        case "application/merge-patch+json":
            self = .mergePatch
        case "application/json", "application/fhir+json", "application/json+fhir":
            guard document.objectValue != nil else {
                throw FHIRError(.unsupportedMediaType, .notSupported,
                                "send JSON Patch arrays as application/json-patch+json; a JSON object is taken as a merge patch")
            }
            self = .mergePatch
        default:
            throw FHIRError(.unsupportedMediaType, .notSupported,
                            "PATCH needs Content-Type application/json-patch+json (JSON Patch) or application/merge-patch+json")
        }
    }

    func apply(_ patch: JSONValue, to resource: JSONValue) throws -> JSONValue {
        switch self {
        case .jsonPatch:
            do {
                return try JSONPatch.apply(patch, to: resource)
            } catch {
                throw FHIRError(.unprocessableContent, .processing, error.description)
            }
        case .mergePatch:
            return JSONMergePatch.apply(patch, to: resource)
        }
    }
}
