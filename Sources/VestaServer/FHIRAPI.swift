import Foundation
import FHIRCore
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Hummingbird

/// The FHIR RESTful API under `/fhir`: instance and type interactions, history, `$validate`
/// and `metadata`, each delegating storage to `ResourceStore`.
struct FHIRAPI: Sendable {
    let store: ResourceStore
    let definitions: FHIRDefinitions
    let searchParser: SearchQueryParser
    let validator: StructuralValidator
    let admission: ResourceAdmission
    let subscriptionOperations: SubscriptionOperations
    let capabilityStatement: JSONValue
    let configuration: ServerConfiguration

    func register<Context: RequestContext>(on group: RouterGroup<Context>) {
        group.get("metadata") { request, _ in
            FHIRResponses.json(capabilityStatement, pretty: ResponseOptions(request).pretty)
        }
        group.get("_history") { request, _ in try await history(request, scope: .system) }
        group.get { request, _ in try await systemSearch(request) }
        group.post { request, context in try await processBundle(request, logger: context.logger) }
        group.get(":type") { request, context in
            try await search(request, type: try resourceType(context), parameters: RequestParsing.queryPairs(request))
        }
        group.post(":type/_search") { request, context in
            let type = try resourceType(context)
            let form = try await RequestParsing.formPairs(request, limit: configuration.maxBodySize)
            return try await search(request, type: type, parameters: RequestParsing.queryPairs(request) + form)
        }
        group.get(":type/:id/:operation") { request, context in
            // Compartment search: the third segment is the member type (it names the operation on POST).
            let owner = try resourceType(context)
            let id = try resourceId(context)
            let member = context.parameters.get("operation") ?? ""
            if member == "$everything", owner == "Patient" { return try await everything(request, patientId: id) }
            if member == "$status", owner == "Subscription" {
                try access().require(.read, on: "Subscription")
                return try await subscriptionOperations.status(request, id: id)
            }
            guard definitions.isResourceType(member) else {
                throw FHIRError(.notFound, .notSupported, "Unknown resource type '\(member)'")
            }
            return try await search(request, type: member, parameters: RequestParsing.queryPairs(request), compartment: (owner, id))
        }
        group.post(":type") { request, context in try await create(request, context) }
        group.put(":type") { request, context in try await conditionalUpdate(request, type: try writableType(context)) }
        group.delete(":type") { request, context in try await conditionalDelete(request, type: try writableType(context)) }
        group.patch(":type") { request, context in try await conditionalPatch(request, type: try writableType(context)) }
        group.get(":type/_history") { request, context in
            try await history(request, scope: .type(try resourceType(context)))
        }
        group.get(":type/:id") { request, context in
            if context.parameters.get("id") == "$lastn", try resourceType(context) == "Observation" {
                return try await lastN(request)
            }
            return try await read(request, context)
        }
        group.put(":type/:id") { request, context in try await update(request, context) }
        group.patch(":type/:id") { request, context in
            try await patch(request, type: try writableType(context), id: try resourceId(context))
        }
        group.delete(":type/:id") { request, context in try await delete(request, context) }
        group.post(":type/:id") { request, context in
            // POST [type]/$operation: only $validate is offered.
            let type = try resourceType(context)
            guard context.parameters.get("id") == "$validate" else {
                throw FHIRError(.notFound, .notSupported, "Unknown operation '\(context.parameters.get("id") ?? "")' on \(type)")
            }
            return try await validate(request, type: type, id: nil)
        }
        group.post(":type/:id/:operation") { request, context in
            let type = try resourceType(context)
            let id = try resourceId(context)
            let operation = context.parameters.get("operation")
            if operation == "$resend", type == "Subscription" {
                try access().require(.update, on: "Subscription")
                return try await subscriptionOperations.resend(request, id: id)
            }
            guard operation == "$validate" else {
                throw FHIRError(.notFound, .notSupported, "Unknown operation on \(type)/\(id)")
            }
            return try await validate(request, type: type, id: id)
        }
        group.get(":type/:id/_history") { request, context in
            try await history(request, scope: .instance(type: try resourceType(context), id: try resourceId(context)))
        }
        group.get(":type/:id/_history/:version") { request, context in try await vread(request, context) }
    }

    // MARK: Interactions

    private func read(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try resourceType(context)
        let id = try resourceId(context)
        let access = try access()
        try access.require(.read, on: type)
        let resource = try await store.read(type: type, id: id)
        if resource.isDeleted { throw FHIRError(StoreError.deleted(type: type, id: id, version: resource.version)) }
        try access.requireAllowed(.read, resource)
        auditRead([resource], listed: true)
        if isNotModified(resource, request) {
            return Response(status: .notModified, headers: FHIRResponses.versionHeaders(resource, baseURL: "", location: false))
        }
        return FHIRResponses.json(resource.json ?? "{}", headers: FHIRResponses.versionHeaders(resource, baseURL: "", location: false),
                                  pretty: ResponseOptions(request).pretty)
    }

    private func vread(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try resourceType(context)
        let id = try resourceId(context)
        guard let versionText = context.parameters.get("version"), let version = Int(versionText), version > 0 else {
            throw FHIRError(.notFound, .notFound, "Version ids are positive integers")
        }
        let access = try access()
        try access.require(.read, on: type)
        let resource = try await store.read(type: type, id: id, version: version)
        if resource.isDeleted { throw FHIRError(StoreError.deleted(type: type, id: id, version: version)) }
        try access.requireAllowed(.read, resource)
        auditRead([resource], listed: true)
        return FHIRResponses.json(resource.json ?? "{}", headers: FHIRResponses.versionHeaders(resource, baseURL: "", location: false),
                                  pretty: ResponseOptions(request).pretty)
    }

    private func create(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try writableType(context)
        let access = try access()
        try access.require(.create, on: type)
        var resource = try await RequestParsing.jsonObject(request, limit: configuration.maxBodySize)
        try checkResourceType(resource, expected: type)
        resource["id"] = nil  // the server assigns the id of a created resource
        resource = try admission.admit(resource)
        try access.requireAllowed(.create, type: type, id: "", content: resource)
        guard let condition = request.headers[.ifNoneExist] else {
            let result = try await store.create(resource, type: type)
            return FHIRResponses.written(result.resource, status: .created, message: "Created \(type)/\(result.resource.id)",
                                         baseURL: baseURL(request), options: ResponseOptions(request))
        }
        let outcome = try await conditionalCreate(resource, type: type, condition: Self.ifNoneExistParameters(condition))
        switch outcome {
        case .existing(let existing):
            try access.requireAllowed(.read, existing)
            return FHIRResponses.written(existing, status: .ok, message: "\(type)/\(existing.id) already matches If-None-Exist",
                                         baseURL: baseURL(request), options: ResponseOptions(request))
        case .created(let result):
            return FHIRResponses.written(result.resource, status: .created, message: "Created \(type)/\(result.resource.id)",
                                         baseURL: baseURL(request), options: ResponseOptions(request))
        }
    }

    private func update(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try writableType(context)
        let id = try resourceId(context)
        var resource = try await RequestParsing.jsonObject(request, limit: configuration.maxBodySize)
        try checkResourceType(resource, expected: type)
        guard let bodyId = resource["id"]?.stringValue else {
            throw FHIRError.badRequest("The resource must carry id '\(id)' to match the URL", expression: ["\(type).id"])
        }
        guard bodyId == id else {
            throw FHIRError.badRequest("The resource id '\(bodyId)' does not match the URL id '\(id)'", expression: ["\(type).id"])
        }
        resource = try admission.admit(resource)
        let access = try access()
        let ifMatch = try await access.checkUpdate(type: type, id: id, content: resource, ifMatch: try RequestParsing.ifMatchVersion(request))
        let result = try await store.update(resource, type: type, id: id, ifMatch: ifMatch)
        return FHIRResponses.written(result.resource, status: result.created ? .created : .ok,
                                     message: "\(result.created ? "Created" : "Updated") \(type)/\(id)",
                                     baseURL: baseURL(request), options: ResponseOptions(request))
    }

    func patch(_ request: Request, type: String, id: String) async throws -> Response {
        let patchDocument = try await RequestParsing.jsonValue(request, limit: configuration.maxBodySize)
        let format = try PatchFormat(contentType: request.headers[.contentType], document: patchDocument)
        let admission = self.admission
        let access = try access()
        try access.require(.update, on: type)
        let result = try await store.modify(type: type, id: id, ifMatch: try RequestParsing.ifMatchVersion(request)) { current in
            try access.requireAllowed(.update, type: type, id: id, content: current)
            let patched = try format.apply(patchDocument, to: .object(current))
            guard let object = patched.objectValue else {
                throw FHIRError(.unprocessableContent, .processing, "The patch must leave a JSON object")
            }
            guard object["resourceType"] == .string(type), object["id"] == .string(id) else {
                throw FHIRError(.unprocessableContent, .processing, "The patch must not change resourceType or id")
            }
            let admitted = try admission.admit(object)
            try access.requireAllowed(.update, type: type, id: id, content: admitted)
            return admitted
        }
        return FHIRResponses.written(result.resource, status: .ok, message: "Patched \(type)/\(id)",
                                     baseURL: baseURL(request), options: ResponseOptions(request))
    }

    private func delete(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let type = try writableType(context)
        let id = try resourceId(context)
        let ifMatch = try await access().checkDelete(type: type, id: id, ifMatch: try RequestParsing.ifMatchVersion(request))
        let tombstone = try await store.delete(type: type, id: id, ifMatch: ifMatch)
        var headers = HTTPFields()
        if let tombstone { headers[.eTag] = tombstone.etag }
        return Response(status: .noContent, headers: headers)
    }

    private func validate(_ request: Request, type: String, id: String?) async throws -> Response {
        let body = try await RequestParsing.jsonObject(request, limit: configuration.maxBodySize)
        // $validate takes the resource itself or a Parameters resource carrying it.
        let resource: JSONObject
        if body["resourceType"] == "Parameters", type != "Parameters" {
            let parameters = body["parameter"]?.arrayValue ?? []
            guard let carried = parameters.first(where: { $0["name"] == "resource" })?["resource"]?.objectValue else {
                throw FHIRError.badRequest("Parameters must hold a 'resource' parameter", expression: ["Parameters.parameter"])
            }
            resource = carried
        } else {
            resource = body
        }
        try checkResourceType(resource, expected: type)
        if let id, let bodyId = resource["id"]?.stringValue, bodyId != id {
            throw FHIRError.badRequest("The resource id '\(bodyId)' does not match the URL id '\(id)'", expression: ["\(type).id"])
        }
        let issues = validator.validate(.object(resource))
        let outcome = issues.isEmpty
            ? OperationOutcome(.information, .informational, "No problems found")
            : OperationOutcome(issues: issues)
        let failed = issues.contains { $0.severity == .error || $0.severity == .fatal }
        return FHIRResponses.json(outcome.json, status: failed ? .unprocessableContent : .ok, pretty: ResponseOptions(request).pretty)
    }

    private func history(_ request: Request, scope: HistoryScope) async throws -> Response {
        let parameters = request.uri.queryParameters
        let allowed: Set<String> = ["_count", "_since", "_at", "_page", "_format", "_pretty"]
        if let unknown = parameters.first(where: { !allowed.contains(String($0.key)) }) {
            throw FHIRError.badRequest("History does not support the parameter '\(unknown.key)'", expression: [String(unknown.key)])
        }
        var query = HistoryQuery(scope: scope, count: try RequestParsing.count(request, default: 50, maximum: 1000))
        if let since = parameters.get("_since") {
            guard let instant = FHIRDateRange(parsing: since)?.start else {
                throw FHIRError.badRequest("_since must be a FHIR instant such as 2024-01-01T00:00:00Z, not '\(since)'", expression: ["_since"])
            }
            query.since = instant
        }
        if let at = parameters.get("_at") {
            guard let range = FHIRDateRange(parsing: at) else {
                throw FHIRError.badRequest("_at must be a FHIR date or dateTime, not '\(at)'", expression: ["_at"])
            }
            query.at = range.range
        }
        if let page = parameters.get("_page") {
            guard let before = Int64(page), before > 0 else {
                throw FHIRError.badRequest("_page must be the cursor from a next link, not '\(page)'", expression: ["_page"])
            }
            query.before = before
        }
        let access = try access()
        switch scope {
        case .instance(let type, _), .type(let type): try access.require(.read, on: type)
        case .system: break
        }
        let page = try await store.history(query).keeping { access.allows(.read, $0.resource) }
        auditRead(page.entries.map(\.resource).filter { !$0.isDeleted }, listed: true)
        let bundle = HistoryBundle(page: page, query: query, baseURL: baseURL(request), requestPath: request.uri.path,
                                   atParameter: parameters.get("_at"))
        return FHIRResponses.json(bundle.json, pretty: ResponseOptions(request).pretty)
    }

    // MARK: Helpers

    /// The current request's rights over resources (403 when it was not authenticated).
    func access() throws -> ResourceAccess {
        try ResourceAccess.current(store: store, parser: searchParser)
    }

    private func resourceType(_ context: some RequestContext) throws -> String {
        let type = context.parameters.get("type") ?? ""
        guard definitions.isResourceType(type) else {
            throw FHIRError(.notFound, .notSupported, "Unknown resource type '\(type)'")
        }
        return type
    }

    /// The resource type of a write: any but AuditEvent, which only the audit log writes (405).
    private func writableType(_ context: some RequestContext) throws -> String {
        let type = try resourceType(context)
        if type == "AuditEvent" { throw FHIRError(StoreError.appendOnly(type: type)) }
        return type
    }

    private func resourceId(_ context: some RequestContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard FHIRId.isValid(id) else {
            throw FHIRError.badRequest("'\(id)' is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)")
        }
        return id
    }

    func checkResourceType(_ resource: JSONObject, expected type: String) throws {
        guard let bodyType = resource["resourceType"]?.stringValue else {
            throw FHIRError.badRequest("The resource has no resourceType", expression: ["resourceType"])
        }
        guard bodyType == type else {
            throw FHIRError.badRequest("The body is a \(bodyType), but the URL names \(type)", expression: ["resourceType"])
        }
    }

    private func isNotModified(_ resource: StoredResource, _ request: Request) -> Bool {
        if let ifNoneMatch = request.headers[.ifNoneMatch] {
            return ifNoneMatch.split(separator: ",").contains { candidate in
                let trimmed = candidate.trimmingCharacters(in: .whitespaces)
                return trimmed == "*" || RequestParsing.version(fromETag: trimmed) == resource.version
            }
        }
        if let ifModifiedSince = request.headers[.ifModifiedSince], let since = FHIRInstant(httpDate: ifModifiedSince) {
            // HTTP dates have whole seconds: not modified when last updated within or before that second.
            return resource.lastUpdated.millisecondsSince1970 / 1000 <= since.millisecondsSince1970 / 1000
        }
        return false
    }

    /// `[base]` for absolute URLs: the configured base URL, or one built from the request's authority.
    func baseURL(_ request: Request) -> String {
        if let configured = configuration.baseURL { return configured }
        return "\(configuration.scheme)://\(request.head.authority ?? "\(configuration.host):\(configuration.port)")/fhir"
    }
}
