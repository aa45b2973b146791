import Audit
import FHIRCore
import FHIRSearch
import FHIRStore
import Hummingbird

/// `Observation/$lastn` and `Patient/[id]/$everything`.
extension FHIRAPI {
    /// `GET Observation/$lastn?patient=P[&category=…][&code=…][&max=N]`: the newest N (default 1)
    /// Observations per code, as a searchset Bundle.
    func lastN(_ request: Request) async throws -> Response {
        var parameters = RequestParsing.queryPairs(request)
        var max = 1
        if let index = parameters.firstIndex(where: { $0.name == "max" }) {
            guard let value = Int(parameters[index].value), value > 0 else {
                throw FHIRError.badRequest("max must be a positive integer, not '\(parameters[index].value)'", expression: ["max"])
            }
            max = min(value, 1000)
            parameters.remove(at: index)
        }
        let access = try access()
        try access.require(.search, on: "Observation")
        var query = try parseSearch(request, type: "Observation", parameters: parameters)
        let applied = query.applied
        try access.narrow(&query, type: "Observation")
        let matches: [StoredResource]
        do {
            matches = access.filter(try await store.lastN(query, max: max), .search)
        } catch let error as SearchExecutionError {
            throw FHIRError.badRequest(error.description)
        }
        AuditRequest.current?.declare(.operation("lastn"))
        auditRead(matches, listed: false, query: auditQuery(type: "Observation", applied: applied))
        let page = SearchPage(matches: matches, included: [], nextCursor: nil, total: matches.count)
        let bundle = SearchBundle(page: page, searchURL: "\(baseURL(request))/Observation/$lastn",
                                  applied: applied + [("max", String(max))], count: matches.count, baseURL: baseURL(request),
                                  reshape: nil)
        return FHIRResponses.json(bundle.text, pretty: ResponseOptions(request).pretty)
    }

    /// `GET Patient/[id]/$everything[?_type=…][&_since=…][&_count=…]`: the patient and
    /// everything in its compartment, paged.
    func everything(_ request: Request, patientId: String) async throws -> Response {
        let parameters = RequestParsing.queryPairs(request)
        var types: Set<String>?
        var since: FHIRInstant?
        var count = Self.defaultPageSize
        var cursor: String?
        for (name, value) in parameters {
            switch name {
            case "_type":
                let names = value.split(separator: ",").map(String.init)
                if let unknown = names.first(where: { !definitions.isResourceType($0) }) {
                    throw FHIRError.badRequest("_type: '\(unknown)' is not a resource type", expression: ["_type"])
                }
                types = (types ?? []).union(names)
            case "_since":
                guard let instant = FHIRInstant(parsing: value) else {
                    throw FHIRError.badRequest("_since must be a FHIR instant such as 2024-01-01T00:00:00Z, not '\(value)'", expression: ["_since"])
                }
                since = instant
            case "_count":
                guard let number = Int(value), number > 0 else {
                    throw FHIRError.badRequest("_count must be a positive integer, not '\(value)'", expression: ["_count"])
                }
                count = min(number, 1000)
            case "_cursor": cursor = value
            case "_format", "_pretty": continue
            default:
                throw FHIRError.badRequest("$everything does not support the parameter '\(name)'", expression: [name])
            }
        }
        let access = try access()
        try access.require(.read, on: "Patient")
        let page: SearchPage
        do {
            page = access.filter(try await store.everything(patientId: patientId, types: types, since: since, count: count, cursor: cursor))
        } catch let error as SearchExecutionError {
            throw FHIRError.badRequest(error.description)
        }
        auditRead(page.matches, listed: false, patients: ["Patient/\(patientId)"])
        let applied = parameters.filter { !["_cursor", "_format", "_pretty"].contains($0.name) }
        let bundle = SearchBundle(page: page, searchURL: "\(baseURL(request))/Patient/\(patientId)/$everything", applied: applied,
                                  count: count, baseURL: baseURL(request), reshape: nil)
        return FHIRResponses.json(bundle.text, pretty: ResponseOptions(request).pretty)
    }
}
