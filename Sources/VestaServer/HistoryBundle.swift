import FHIRCore
import FHIRStore

/// A `history` Bundle for one page of versions, with `self` and `next` links.
struct HistoryBundle {
    let page: HistoryPage
    let query: HistoryQuery
    let baseURL: String
    let requestPath: String
    /// The `_at` parameter as the client wrote it, kept for the links.
    let atParameter: String?

    var json: JSONValue {
        var bundle: JSONObject = ["resourceType": "Bundle", "id": .string(FHIRId.generate()), "type": "history"]
        bundle["meta"] = ["lastUpdated": .string(FHIRInstant.now().fhirString)]
        if let total = page.total { bundle["total"] = .number(String(total)) }
        var links: [JSONValue] = [["relation": "self", "url": .string(link(before: query.before))]]
        if let next = page.nextBefore {
            links.append(["relation": "next", "url": .string(link(before: next))])
        }
        bundle["link"] = .array(links)
        bundle["entry"] = .array(page.entries.map(entry))
        return .object(bundle)
    }

    private func entry(_ entry: HistoryPage.Entry) -> JSONValue {
        let resource = entry.resource
        var object: JSONObject = ["fullUrl": .string("\(baseURL)/\(resource.type)/\(resource.id)")]
        if let text = resource.json, let value = try? JSONReader.parse(text) {
            object["resource"] = value
        }
        let (method, url, status): (String, String, String) = switch entry.operation {
        case .create: ("POST", resource.type, "201 Created")
        case .update: ("PUT", "\(resource.type)/\(resource.id)", "200 OK")
        case .delete: ("DELETE", "\(resource.type)/\(resource.id)", "204 No Content")
        }
        object["request"] = ["method": .string(method), "url": .string(url)]
        object["response"] = [
            "status": .string(status), "etag": .string(resource.etag), "lastModified": .string(resource.lastUpdated.fhirString),
        ]
        return .object(object)
    }

    /// The URL of this query at another cursor position; the server's base replaces `/fhir`.
    private func link(before: Int64?) -> String {
        var parameters: [String] = ["_count=\(query.count)"]
        if let since = query.since { parameters.append("_since=\(since.fhirString)") }
        if let atParameter { parameters.append("_at=\(atParameter)") }
        if let before { parameters.append("_page=\(before)") }
        let path = requestPath.hasPrefix("/fhir") ? String(requestPath.dropFirst(5)) : requestPath
        return "\(baseURL)\(path)?\(parameters.joined(separator: "&"))"
    }
}
