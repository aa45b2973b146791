import Foundation
import HTTPTypes
import FHIRCore
import FHIRStore
import Hummingbird

/// How the client asked to see responses: `_pretty` and the `Prefer: return=` preference.
struct ResponseOptions: Sendable {
    enum Return: Sendable { case minimal, representation, operationOutcome }

    var pretty = false
    var preferredReturn = Return.representation

    init(_ request: Request) {
        pretty = request.uri.queryParameters.get("_pretty") == "true"
        if let prefer = request.headers[.prefer] {
            for token in prefer.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                switch token {
                case "return=minimal": preferredReturn = .minimal
                case "return=representation": preferredReturn = .representation
                case "return=OperationOutcome": preferredReturn = .operationOutcome
                default: continue
                }
            }
        }
    }
}

/// FHIR's request headers that HTTPTypes does not name.
extension HTTPField.Name {
    public static let prefer = Self("Prefer")!
    public static let ifNoneExist = Self("If-None-Exist")!
}

enum FHIRResponses {
    static let contentType = "application/fhir+json; charset=utf-8"

    /// A JSON body; `text` is already serialized and is reformatted only for `_pretty`.
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], pretty: Bool) -> Response {
        let body: String
        if pretty, let value = try? JSONReader.parse(text) {
            body = JSONWriter.string(value, style: .pretty)
        } else {
            body = text
        }
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], pretty: Bool) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        let bytes = JSONWriter.bytes(value, style: pretty ? .pretty : .compact)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func outcome(_ error: FHIRError, pretty: Bool = false) -> Response {
        json(error.outcome.json, status: error.status, pretty: pretty)
    }

    /// ETag, Last-Modified and (for writes) Location of one stored version.
    static func versionHeaders(_ resource: StoredResource, baseURL: String, location: Bool) -> HTTPFields {
        var fields = HTTPFields()
        fields[.eTag] = resource.etag
        fields[.lastModified] = resource.lastUpdated.httpDate
        if location {
            fields[.location] = "\(baseURL)/\(resource.type)/\(resource.id)/_history/\(resource.version)"
        }
        return fields
    }

    /// The answer to a successful write, honouring `Prefer: return=`.
    static func written(_ resource: StoredResource, status: HTTPResponse.Status, message: String, baseURL: String, options: ResponseOptions) -> Response {
        let headers = versionHeaders(resource, baseURL: baseURL, location: true)
        switch options.preferredReturn {
        case .minimal:
            return Response(status: status, headers: headers)
        case .operationOutcome:
            return json(OperationOutcome(.information, .informational, message).json, status: status, headers: headers, pretty: options.pretty)
        case .representation:
            guard let text = resource.json else { return Response(status: status, headers: headers) }
            return json(text, status: status, headers: headers, pretty: options.pretty)
        }
    }
}
