import FHIRCore
import FHIRSearch
import FHIRStore
import Foundation
import Hummingbird

/// System search, `GET /fhir?_type=Patient,Observation&…`: the same search on several types,
/// paged type after type.
extension FHIRAPI {
    /// Runs the query on each type of `_type` (every type when absent), in that order. The
    /// parameters are parsed strictly for every type: a parameter one of the types does not
    /// define would otherwise be ignored there and match all of its resources.
    func systemSearch(_ request: Request) async throws -> Response {
        var parameters = RequestParsing.queryPairs(request)
        var types: [String] = []
        var position = SystemSearchPosition(typeIndex: 0, cursor: nil)
        parameters.removeAll { name, value in
            switch name {
            case "_type":
                types += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                return true
            case "_cursor":
                position = SystemSearchPosition(token: value) ?? SystemSearchPosition(typeIndex: -1, cursor: nil)
                return true
            default:
                return false
            }
        }
        if let unknown = types.first(where: { !definitions.isResourceType($0) }) {
            throw FHIRError.badRequest("_type: '\(unknown)' is not a resource type", expression: ["_type"])
        }
        let access = try access()
        if types.isEmpty { types = definitions.resourceTypes.filter { access.grant.permits(.search, on: $0) } }
        for type in types { try access.require(.search, on: type) }
        guard (0..<types.count).contains(position.typeIndex) else {
            throw FHIRError.badRequest("_cursor is not a cursor from a link of this search", expression: ["_cursor"])
        }
        var queries: [SearchQuery] = []
        for type in types {
            var query: SearchQuery
            do {
                query = try searchParser.parse(resourceType: type, parameters: parameters, strict: true)
            } catch {
                throw FHIRError.badRequest("\(error.description) (system search applies every parameter to every type; narrow it with _type)")
            }
            try access.narrow(&query, type: type)
            queries.append(query)
        }
        let count = queries[0].count ?? Self.defaultPageSize
        var matches: [StoredResource] = []
        var included: [StoredResource] = []
        var total: Int?
        var next: SystemSearchPosition?
        var index = position.typeIndex
        var cursor = position.cursor
        while index < types.count, matches.count < count || queries[0].total == .accurate {
            var query = queries[index]
            query.cursor = cursor
            let remaining = count - matches.count
            let page = access.filter(try await runSearch(query, count: max(remaining, 0)))
            if let pageTotal = page.total { total = (total ?? 0) + pageTotal }
            if remaining > 0 {
                matches += page.matches
                included += page.included
                if let pageCursor = page.nextCursor, next == nil {
                    next = SystemSearchPosition(typeIndex: index, cursor: pageCursor)
                } else if matches.count >= count, next == nil, index + 1 < types.count {
                    next = SystemSearchPosition(typeIndex: index + 1, cursor: nil)
                }
            }
            index += 1
            cursor = nil
        }
        let applied = (types.count == definitions.resourceTypes.count ? [] : [("_type", types.joined(separator: ","))])
            + queries[0].applied
        auditRead(matches + included, listed: false, query: auditQuery(type: "", applied: applied))
        let bundle = SearchBundle(page: SearchPage(matches: matches, included: included, nextCursor: next?.token, total: total),
                                  searchURL: baseURL(request), applied: applied, count: count, baseURL: baseURL(request),
                                  reshape: reshaping(queries[0]))
        return FHIRResponses.json(bundle.text, pretty: ResponseOptions(request).pretty)
    }
}

/// Where a system search page starts: the index of the type in `_type` order and the cursor
/// within that type. Carried in `_cursor` as `<index>.<type cursor>`.
private struct SystemSearchPosition {
    let typeIndex: Int
    let cursor: String?

    init(typeIndex: Int, cursor: String?) {
        self.typeIndex = typeIndex
        self.cursor = cursor
    }

    init?(token: String) {
        let parts = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let index = Int(parts[0]) else { return nil }
        typeIndex = index
        cursor = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
    }

    var token: String { "\(typeIndex).\(cursor ?? "")" }
}
