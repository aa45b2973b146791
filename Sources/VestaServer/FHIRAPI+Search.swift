import FHIRCore
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Foundation
import Hummingbird

/// Search: `GET [type]`, `POST [type]/_search`, and compartment search `GET Patient/p1/Observation`.
extension FHIRAPI {
    /// Entries per page when the client gives no `_count`.
    static let defaultPageSize = 50

    /// Runs a search whose parameters are `parameters` and answers a `searchset` Bundle.
    func search(
        _ request: Request, type: String, parameters: [(name: String, value: String)],
        compartment: (type: String, id: String)? = nil
    ) async throws -> Response {
        let access = try access()
        try access.require(.search, on: type)
        var query = try parseSearch(request, type: type, parameters: parameters)
        var searchPath = "\(baseURL(request))/\(type)"
        if let compartment {
            query.criteria.append(try ResourceAccess.compartmentCriterion(compartment, memberType: type, registry: store.registry))
            searchPath = "\(baseURL(request))/\(compartment.type)/\(compartment.id)/\(type)"
        }
        let applied = query.applied
        try access.narrow(&query, type: type)
        let count = query.count ?? Self.defaultPageSize
        let page = access.filter(try await runSearch(query, count: count))
        auditRead(page.matches + page.included, listed: false, query: auditQuery(type: type, applied: applied),
                  patients: compartment.map { $0.type == "Patient" ? ["Patient/\($0.id)"] : [] } ?? [])
        let bundle = SearchBundle(page: page, searchURL: searchPath, applied: applied, count: count,
                                  baseURL: baseURL(request), reshape: reshaping(query))
        return FHIRResponses.json(bundle.text, pretty: ResponseOptions(request).pretty)
    }

    /// Parses search parameters; `Prefer: handling=strict` turns ignored parameters into errors.
    func parseSearch(_ request: Request, type: String, parameters: [(name: String, value: String)]) throws -> SearchQuery {
        let strict = request.headers[.prefer]?.split(separator: ",").contains {
            $0.trimmingCharacters(in: .whitespaces) == "handling=strict"
        } ?? false
        do {
            return try searchParser.parse(resourceType: type, parameters: parameters, strict: strict)
        } catch {
            throw FHIRError.badRequest(error.description)
        }
    }

    /// Runs a parsed search in `store` (default: the pool), answering what the store cannot run as 400.
    func runSearch(_ query: SearchQuery, count: Int, in store: ResourceStore? = nil) async throws -> SearchPage {
        do {
            return try await (store ?? self.store).search(query, count: count)
        } catch let error as SearchExecutionError {
            throw FHIRError.badRequest(error.description)
        }
    }

    /// The `_summary`/`_elements` rewrite of each returned resource, if any.
    func reshaping(_ query: SearchQuery) -> ((JSONObject) -> JSONObject)? {
        let projection = definitions.projection
        if let elements = query.elements { return { projection.elements($0, keeping: elements) } }
        switch query.summary {
        case .true?: return { projection.summary($0, mode: .summary) }
        case .text?: return { projection.summary($0, mode: .text) }
        case .data?: return { projection.summary($0, mode: .data) }
        case .count?, .false?, nil: return nil
        }
    }
}
