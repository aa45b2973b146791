import FHIRCore
import FHIRSearch
import FHIRStore
import Hummingbird

/// Conditional interactions: create with `If-None-Exist`, and update, patch and delete
/// addressed by a search (`PUT Patient?identifier=s|v`). The condition is parsed strictly —
/// an ignored parameter would widen the match — and must match at most one resource.
extension FHIRAPI {
    /// The resources `parameters` match on `type`: none, one, or two (meaning "more than one").
    func conditionalMatches(_ request: Request, type: String, parameters: [(name: String, value: String)]) async throws -> [StoredResource] {
        try await conditionMatches(type: type, parameters: parameters, interaction: "\(request.method)", in: store)
    }

    /// The resources a condition (`identifier=s|v`) matches on `type` in `store` (the pool, or
    /// an open transaction): none, one, or two (meaning "more than one"). `interaction` names
    /// the request in the error for an empty condition.
    func conditionMatches(
        type: String, parameters: [(name: String, value: String)], interaction: String, in store: ResourceStore
    ) async throws -> [StoredResource] {
        try await runSearch(try conditionQuery(type: type, parameters: parameters, interaction: interaction), count: 2, in: store).matches
    }

    /// The search of a condition, parsed strictly (an ignored parameter would widen the
    /// match), with no includes, totals or summary. An empty condition is a 400 naming
    /// `interaction`, as is any parameter the search cannot apply.
    func conditionQuery(type: String, parameters: [(name: String, value: String)], interaction: String) throws -> SearchQuery {
        guard !parameters.isEmpty else {
            throw FHIRError.badRequest("A conditional \(interaction) needs search parameters that identify the resource")
        }
        var query: SearchQuery
        do {
            query = try searchParser.parse(resourceType: type, parameters: parameters, strict: true)
        } catch {
            throw FHIRError.badRequest("Condition: \(error.description)")
        }
        query.includes = []
        query.total = .none
        query.summary = nil
        query.cursor = nil
        return query
    }

    /// What a conditional create did.
    enum ConditionalCreateOutcome: Sendable {
        case existing(StoredResource)
        case created(WriteResult)
    }

    /// Creates `resource` unless `condition` matches: in one transaction holding the
    /// condition's advisory lock, so racing requests with the same condition make one resource.
    func conditionalCreate(
        _ resource: JSONObject, type: String, condition: [(name: String, value: String)]
    ) async throws -> ConditionalCreateOutcome {
        try await store.transaction { transaction in
            try await transaction.lockConditions([BundleProcessor.conditionKey(type: type, condition)])
            let matches = try await conditionMatches(type: type, parameters: condition, interaction: "POST", in: transaction)
            guard matches.count <= 1 else { throw Self.multipleMatches(type) }
            if let existing = matches.first { return .existing(existing) }
            return .created(try await transaction.create(resource, type: type))
        }
    }

    /// `If-None-Exist: identifier=s|v`: the search part of the header (a leading `Type?` is allowed).
    static func ifNoneExistParameters(_ header: String) -> [(name: String, value: String)] {
        let query = header.firstIndex(of: "?").map { String(header[header.index(after: $0)...]) } ?? header
        return QueryString.pairs(query)
    }

    /// 412 for a condition matching several resources.
    static func multipleMatches(_ type: String) -> FHIRError {
        FHIRError(.preconditionFailed, .multipleMatches, "The condition matches more than one \(type); make it more specific")
    }

    /// `PUT [type]?search`: creates when nothing matches, updates the one match, 412 otherwise;
    /// under the condition's advisory lock, like a conditional create.
    func conditionalUpdate(_ request: Request, type: String) async throws -> Response {
        let condition = RequestParsing.queryPairs(request)
        let body = try await RequestParsing.jsonObject(request, limit: configuration.maxBodySize)
        try checkResourceType(body, expected: type)
        let resource = try admission.admit(body)
        let requestedVersion = try RequestParsing.ifMatchVersion(request)
        let access = try access()
        let result = try await store.transaction { transaction in
            try await transaction.lockConditions([BundleProcessor.conditionKey(type: type, condition)])
            let matches = try await conditionMatches(type: type, parameters: condition, interaction: "PUT", in: transaction)
            guard matches.count <= 1 else { throw Self.multipleMatches(type) }
            let bodyId = resource["id"]?.stringValue
            if let match = matches.first, let bodyId, bodyId != match.id {
                throw FHIRError.badRequest("The resource id '\(bodyId)' is not the id of the match, '\(match.id)'", expression: ["\(type).id"])
            }
            if let id = matches.first?.id ?? bodyId {
                let ifMatch = try await access.checkUpdate(type: type, id: id, content: resource, ifMatch: requestedVersion, in: transaction)
                return try await transaction.update(resource, type: type, id: id, ifMatch: ifMatch)
            }
            try access.require(.create, on: type)
            try access.requireAllowed(.create, type: type, id: "", content: resource)
            return try await transaction.create(resource, type: type)
        }
        return FHIRResponses.written(result.resource, status: result.created ? .created : .ok,
                                     message: "\(result.created ? "Created" : "Updated") \(type)/\(result.resource.id)",
                                     baseURL: baseURL(request), options: ResponseOptions(request))
    }

    /// `DELETE [type]?search`: deletes the one match; 204 when nothing matches, 412 for several.
    func conditionalDelete(_ request: Request, type: String) async throws -> Response {
        let matches = try await conditionalMatches(request, type: type, parameters: RequestParsing.queryPairs(request))
        guard matches.count <= 1 else { throw Self.multipleMatches(type) }
        var headers = HTTPFields()
        let access = try access()
        try access.require(.delete, on: type)
        if let match = matches.first, let tombstone = try await store.delete(
            type: type, id: match.id, ifMatch: try await access.checkDelete(type: type, id: match.id, ifMatch: nil)) {
            headers[.eTag] = tombstone.etag
        }
        return Response(status: .noContent, headers: headers)
    }

    /// `PATCH [type]?search`: patches the one match; 404 when nothing matches, 412 for several.
    func conditionalPatch(_ request: Request, type: String) async throws -> Response {
        let matches = try await conditionalMatches(request, type: type, parameters: RequestParsing.queryPairs(request))
        guard matches.count <= 1 else { throw Self.multipleMatches(type) }
        guard let match = matches.first else { throw FHIRError(.notFound, .notFound, "No \(type) matches the condition") }
        return try await patch(request, type: type, id: match.id)
    }
}
