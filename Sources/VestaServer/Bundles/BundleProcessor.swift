import Access
import FHIRCore
import FHIRSearch
import FHIRStore
import Foundation
import Hummingbird

/// Processes the entries of a transaction or batch with the same checks and store calls as
/// the single-resource API (`FHIRAPI`): validation, conditional semantics, `If-Match`,
/// index and change log. `store` is the pool for a batch, an open transaction's for a transaction.
struct BundleProcessor: Sendable {
    let api: FHIRAPI
    /// `[base]` for `fullUrl`s and searchset links.
    let baseURL: String

    /// What an entry does once its conditions are resolved.
    enum Action: Sendable {
        /// POST (or a conditional PUT that matched nothing): create under this id.
        case create(id: String)
        /// POST whose `ifNoneExist` matched: nothing is written.
        case existing(StoredResource)
        case update(id: String)
        case patch(id: String)
        case delete(id: String)
        /// Conditional DELETE that matched nothing.
        case deleteNothing
        case read

        /// The resource the entry writes, for the "same resource twice" check.
        var writtenId: String? {
            switch self {
            case .create(let id), .update(let id), .patch(let id), .delete(let id): id
            case .existing, .deleteNothing, .read: nil
            }
        }
    }

    // MARK: Checks without the database

    /// Checks the entry as the single API checks the request: URL shape for the method, a
    /// resource of the URL's type, ids, a decodable patch, and structural validation (422).
    /// POST resources lose their `id` (the server assigns it).
    func prepare(_ entry: BundleEntryRequest) throws(BundleEntryError) -> BundleEntryRequest {
        do {
            return try checked(entry)
        } catch let error as FHIRError {
            throw BundleEntryError(entry, error)
        } catch {
            throw BundleEntryError(entry, FHIRError.badRequest("\(error)"))
        }
    }

    private func checked(_ entry: BundleEntryRequest) throws -> BundleEntryRequest {
        var entry = entry
        try api.access().require(Self.permission(entry), on: entry.type)
        if entry.version != nil, entry.method != .get { throw FHIRError.badRequest("Only GET may name a version (_history)") }
        switch entry.method {
        case .get:
            return entry
        case .post:
            guard entry.id == nil, entry.query == nil else { throw FHIRError.badRequest("POST takes request.url [type], not '\(entry.url)'") }
            var resource = try resource(of: entry)
            resource["id"] = nil
            entry.resource = try api.admission.admit(resource)
        case .put:
            try requireIdOrCondition(entry)
            let resource = try resource(of: entry)
            if let id = entry.id {
                guard let bodyId = resource["id"]?.stringValue else {
                    throw FHIRError.badRequest("The resource must carry id '\(id)' to match the URL", expression: ["\(entry.type).id"])
                }
                guard bodyId == id else {
                    throw FHIRError.badRequest("The resource id '\(bodyId)' does not match the URL id '\(id)'", expression: ["\(entry.type).id"])
                }
            }
            entry.resource = try api.admission.admit(resource)
        case .patch:
            try requireIdOrCondition(entry)
            _ = try patch(of: entry)
        case .delete:
            try requireIdOrCondition(entry)
        }
        return entry
    }

    /// The SMART permission an entry needs on its type.
    private static func permission(_ entry: BundleEntryRequest) -> SMARTScope.Permissions {
        switch entry.method {
        case .get: entry.id == nil ? .search : .read
        case .post: .create
        case .put, .patch: .update
        case .delete: .delete
        }
    }

    private func requireIdOrCondition(_ entry: BundleEntryRequest) throws {
        guard (entry.id == nil) != (entry.query == nil) else {
            throw FHIRError.badRequest("\(entry.method.rawValue) takes request.url [type]/[id] or [type]?[condition], not '\(entry.url)'")
        }
    }

    private func resource(of entry: BundleEntryRequest) throws -> JSONObject {
        guard let resource = entry.resource else { throw FHIRError.badRequest("\(entry.method.rawValue) needs entry.resource") }
        try api.checkResourceType(resource, expected: entry.type)
        return resource
    }

    /// A PATCH entry's patch: a Binary whose `contentType` names the format and whose `data`
    /// is the base64 patch document (FHIRPath Patch `Parameters` is not supported).
    private func patch(of entry: BundleEntryRequest) throws -> (format: PatchFormat, document: JSONValue) {
        guard let binary = entry.resource, binary["resourceType"] == "Binary" else {
            throw FHIRError(.badRequest, .notSupported, "PATCH entries take a Binary resource holding a JSON Patch (FHIRPath Patch is not supported)")
        }
        guard let data = binary["data"]?.stringValue.flatMap({ Data(base64Encoded: $0) }), let document = try? JSONReader.parse(Array(data)) else {
            throw FHIRError.badRequest("Binary.data of a PATCH entry must be a base64 JSON patch document")
        }
        return (try PatchFormat(contentType: binary["contentType"]?.stringValue, document: document), document)
    }

    // MARK: Conditions

    /// `Type?name=value&…` with parameters sorted: the advisory-lock key of a condition, the
    /// same for two requests that mean the same search.
    static func conditionKey(type: String, _ parameters: [(name: String, value: String)]) -> String {
        let sorted = parameters.map { "\($0.name)=\($0.value)" }.sorted()
        return "\(type)?\(sorted.joined(separator: "&"))"
    }

    /// The lock key of an entry that may create a resource under a condition (POST with
    /// `ifNoneExist`, conditional PUT), else nil.
    static func creatingCondition(_ entry: BundleEntryRequest) -> String? {
        switch entry.method {
        case .post: entry.ifNoneExist.map { conditionKey(type: entry.type, $0) }
        case .put: entry.query.map { conditionKey(type: entry.type, $0) }
        case .get, .patch, .delete: nil
        }
    }

    /// Resolves the entry's condition into what it will do: from `prefetched` when it holds
    /// the condition, else by searching `store`. `newId`: the id a create gets.
    func resolve(
        _ entry: BundleEntryRequest, newId: String, in store: ResourceStore, prefetched: PrefetchedConditions = PrefetchedConditions()
    ) async throws -> Action {
        func matchesAtMostOne(_ condition: [(name: String, value: String)]) async throws -> [StoredResource] {
            try await scoped(entry) {
                let matches = try await prefetched.matches(type: entry.type, condition) {
                    try await api.conditionMatches(type: entry.type, parameters: condition, interaction: entry.method.rawValue, in: store)
                }
                guard matches.count <= 1 else { throw FHIRAPI.multipleMatches(entry.type) }
                return matches
            }
        }
        switch entry.method {
        case .get:
            return .read
        case .post:
            guard let condition = entry.ifNoneExist else { return .create(id: newId) }
            return try await matchesAtMostOne(condition).first.map(Action.existing) ?? .create(id: newId)
        case .put:
            guard let condition = entry.query else { return .update(id: entry.id ?? newId) }
            if let match = try await matchesAtMostOne(condition).first {
                if let bodyId = entry.resource?["id"]?.stringValue, bodyId != match.id {
                    throw BundleEntryError(entry, FHIRError.badRequest(
                        "The resource id '\(bodyId)' is not the id of the match, '\(match.id)'", expression: ["\(entry.type).id"]))
                }
                return .update(id: match.id)
            }
            return .update(id: entry.resource?["id"]?.stringValue ?? newId)
        case .patch:
            guard let condition = entry.query else { return .patch(id: entry.id ?? newId) }
            guard let match = try await matchesAtMostOne(condition).first else {
                throw BundleEntryError(entry, FHIRError(.notFound, .notFound, "No \(entry.type) matches the condition"))
            }
            return .patch(id: match.id)
        case .delete:
            guard let condition = entry.query else { return .delete(id: entry.id ?? newId) }
            return try await matchesAtMostOne(condition).first.map { .delete(id: $0.id) } ?? .deleteNothing
        }
    }

    /// `Patient?identifier=s|v` in a resource → `Patient/<id>` of its one match (from
    /// `prefetched` when it holds the condition); none is a 404, several a 412.
    func resolveConditionalReference(
        _ reference: String, in store: ResourceStore, prefetched: PrefetchedConditions = PrefetchedConditions()
    ) async throws -> String {
        guard let (type, parameters) = PrefetchedConditions.condition(ofReference: reference) else { return reference }
        let matches = try await prefetched.matches(type: type, parameters) {
            try await api.conditionMatches(type: type, parameters: parameters, interaction: "reference", in: store)
        }
        guard matches.count <= 1 else {
            throw FHIRError(.preconditionFailed, .multipleMatches, "The conditional reference '\(reference)' matches more than one \(type)")
        }
        guard let match = matches.first else {
            throw FHIRError(.notFound, .notFound, "The conditional reference '\(reference)' matches no \(type)")
        }
        return "\(type)/\(match.id)"
    }

    // MARK: Execution

    /// Runs a resolved entry other than a create (creates go through `ResourceStore.createAll`).
    func execute(_ entry: BundleEntryRequest, _ action: Action, in store: ResourceStore) async throws -> BundleEntryResult {
        try await scoped(entry) {
            switch action {
            case .create(let id):
                // Only reached for a single create (batch); transactions create set-based.
                try api.access().requireAllowed(.create, type: entry.type, id: id, content: entry.resource ?? JSONObject())
                let created = try await store.createAll([NewResource(type: entry.type, id: id, resource: entry.resource ?? JSONObject())])
                return written(created[0], entry: entry)
            case .existing(let match):
                try api.access().requireAllowed(.read, match)
                return BundleEntryResult(status: .ok, resource: match, isWrite: true,
                                         message: "\(entry.type)/\(match.id) already matches ifNoneExist")
            case .update(let id):
                var resource = entry.resource ?? JSONObject()
                resource["id"] = .string(id)
                let ifMatch = try await api.access().checkUpdate(type: entry.type, id: id, content: resource, ifMatch: entry.ifMatch, in: store)
                return written(try await store.update(resource, type: entry.type, id: id, ifMatch: ifMatch), entry: entry)
            case .patch(let id):
                return try await patch(entry, id: id, in: store)
            case .delete(let id):
                let ifMatch = try await api.access().checkDelete(type: entry.type, id: id, ifMatch: entry.ifMatch, in: store)
                let tombstone = try await store.delete(type: entry.type, id: id, ifMatch: ifMatch)
                return BundleEntryResult(status: .noContent, resource: tombstone, isWrite: true, message: "Deleted \(entry.type)/\(id)")
            case .deleteNothing:
                return BundleEntryResult(status: .noContent, isWrite: true, message: "No \(entry.type) matches the condition")
            case .read:
                return try await read(entry, in: store)
            }
        }
    }

    /// The result of a create or update.
    func written(_ result: WriteResult, entry: BundleEntryRequest) -> BundleEntryResult {
        let resource = result.resource
        let verb = result.created ? "Created" : "Updated"
        return BundleEntryResult(status: result.created ? .created : .ok, resource: resource, isWrite: true,
                                 message: "\(verb) \(resource.type)/\(resource.id)")
    }

    private func patch(_ entry: BundleEntryRequest, id: String, in store: ResourceStore) async throws -> BundleEntryResult {
        let (format, document) = try patch(of: entry)
        let admission = api.admission
        let access = try api.access()
        let type = entry.type
        let result = try await store.modify(type: type, id: id, ifMatch: entry.ifMatch) { current in
            try access.requireAllowed(.update, type: type, id: id, content: current)
            guard let object = try format.apply(document, to: .object(current)).objectValue else {
                throw FHIRError(.unprocessableContent, .processing, "The patch must leave a JSON object")
            }
            guard object["resourceType"] == .string(type), object["id"] == .string(id) else {
                throw FHIRError(.unprocessableContent, .processing, "The patch must not change resourceType or id")
            }
            let admitted = try admission.admit(object)
            try access.requireAllowed(.update, type: type, id: id, content: admitted)
            return admitted
        }
        return BundleEntryResult(status: .ok, resource: result.resource, isWrite: true, message: "Patched \(type)/\(id)")
    }

    /// GET: a read, a version read, or a search (a searchset Bundle), with `ifNoneMatch` and
    /// `ifModifiedSince` answered 304.
    private func read(_ entry: BundleEntryRequest, in store: ResourceStore) async throws -> BundleEntryResult {
        let access = try api.access()
        guard let id = entry.id else {
            var query: SearchQuery
            do {
                query = try api.searchParser.parse(resourceType: entry.type, parameters: entry.query ?? [], strict: false)
            } catch {
                throw FHIRError.badRequest(error.description)
            }
            let applied = query.applied
            try access.narrow(&query, type: entry.type)
            let count = query.count ?? FHIRAPI.defaultPageSize
            let page = access.filter(try await api.runSearch(query, count: count, in: store))
            let bundle = SearchBundle(page: page, searchURL: "\(baseURL)/\(entry.type)", applied: applied, count: count,
                                      baseURL: baseURL, reshape: api.reshaping(query))
            return BundleEntryResult(status: .ok, body: bundle.text)
        }
        let resource: StoredResource
        if let version = entry.version {
            resource = try await store.read(type: entry.type, id: id, version: version)
        } else {
            resource = try await store.read(type: entry.type, id: id)
        }
        if resource.isDeleted { throw StoreError.deleted(type: entry.type, id: id, version: resource.version) }
        try access.requireAllowed(.read, resource)
        let unchanged = entry.ifNoneMatch.map { RequestParsing.version(fromETag: $0) == resource.version || $0 == "*" }
            ?? entry.ifModifiedSince.map { resource.lastUpdated <= $0 } ?? false
        if unchanged { return BundleEntryResult(status: .notModified, resource: resource, bodyOmitted: true) }
        return BundleEntryResult(status: .ok, resource: resource)
    }

    /// Runs `work`, turning the errors a single request would answer (FHIRError, StoreError)
    /// into this entry's error. Database errors pass through, so a transaction can retry.
    func scoped<T>(_ entry: BundleEntryRequest, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as FHIRError {
            throw BundleEntryError(entry, error)
        } catch let error as StoreError {
            throw BundleEntryError(entry, FHIRError(error))
        }
    }
}
