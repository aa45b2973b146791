import Access
import FHIRCore
import FHIRSearch
import FHIRStore

/// The caller's rights over individual resources (SMART scopes, DESIGN §6): whether a scope
/// allows an interaction on a type at all, and, for scopes bound to the token's patient or to
/// a v2 search restriction, whether a given resource falls inside them. Every resource the FHIR
/// API reads, returns or writes passes through here.
struct ResourceAccess: Sendable {
    let grant: AccessGrant
    let store: ResourceStore
    let parser: SearchQueryParser

    /// The rights of the current request. A request the authentication middleware did not
    /// see has no grant and is refused, so a route that escapes it fails closed.
    static func current(store: ResourceStore, parser: SearchQueryParser) throws -> ResourceAccess {
        guard let grant = AccessGrant.current else {
            throw FHIRError(.forbidden, .forbidden, "The request was not authenticated")
        }
        return ResourceAccess(grant: grant, store: store, parser: parser)
    }

    /// 403 unless some scope allows `permission` on `type` (for some of its resources at least).
    func require(_ permission: SMARTScope.Permissions, on type: String) throws {
        guard grant.permits(permission, on: type) else {
            throw FHIRError(.forbidden, .forbidden, "The token's scopes do not allow \(Self.name(permission)) on \(type)")
        }
    }

    /// Whether every resource of `type` is open to `permission`, so no resource needs a look:
    /// authorization off, or a scope outside the patient context without a restriction.
    func isWhole(_ permission: SMARTScope.Permissions, on type: String) -> Bool {
        grant.isUnrestricted || grant.scopes(granting: permission, on: type).contains { $0.context != .patient && $0.restriction == nil }
    }

    /// Whether a scope allows `permission` on this resource (a deletion only under a whole-type scope).
    func allows(_ permission: SMARTScope.Permissions, _ resource: StoredResource) -> Bool {
        if isWhole(permission, on: resource.type) { return true }
        guard let json = resource.json, let value = try? JSONReader.parse(json) else { return false }
        return allows(permission, type: resource.type, id: resource.id, value: value)
    }

    /// Whether a scope allows `permission` on the resource `type`/`id` with this content.
    func allows(_ permission: SMARTScope.Permissions, type: String, id: String, value: JSONValue) -> Bool {
        if isWhole(permission, on: type) { return true }
        return grant.scopes(granting: permission, on: type).contains { scope in
            if scope.context == .patient {
                guard let patient = grant.patient,
                      store.patientReferences(type: type, id: id, value: value).contains("Patient/\(patient)") else { return false }
            }
            guard let restriction = scope.restriction else { return true }
            return meets(restriction, type: type, value: value)
        }
    }

    /// The resources of `resources` a scope allows `permission` on, in order.
    func filter(_ resources: [StoredResource], _ permission: SMARTScope.Permissions) -> [StoredResource] {
        resources.filter { allows(permission, $0) }
    }

    /// The page with only the matches a scope allows searching and the included resources a
    /// scope allows reading (`_include`, `_revinclude` reach across compartments).
    func filter(_ page: SearchPage) -> SearchPage {
        if grant.isUnrestricted { return page }
        return SearchPage(matches: filter(page.matches, .search), included: filter(page.included, .read),
                          nextCursor: page.nextCursor, previousCursor: page.previousCursor, total: page.total)
    }

    /// 403 unless a scope allows `permission` on this resource.
    func requireAllowed(_ permission: SMARTScope.Permissions, _ resource: StoredResource) throws {
        guard allows(permission, resource) else { throw outside(resource.type, resource.id) }
    }

    /// 403 unless a scope allows `permission` on the resource `type`/`id` with this content.
    func requireAllowed(_ permission: SMARTScope.Permissions, type: String, id: String, content: JSONObject) throws {
        guard allows(permission, type: type, id: id, value: .object(content)) else { throw outside(type, id) }
    }

    /// Checks an update of `type`/`id` to `content` (in `store`, the pool or an open
    /// transaction): the scopes must allow updating the current resource and the new content,
    /// or creating it when there is none. Answers the `If-Match` version to write with: the
    /// version checked, when the caller gave none, so a concurrent change cannot slip between
    /// the check and the write.
    func checkUpdate(type: String, id: String, content: JSONObject, ifMatch: Int?, in store: ResourceStore? = nil) async throws -> Int? {
        try require(.update, on: type)
        guard !isWhole(.update, on: type) else { return ifMatch }
        if let existing = try await current(type: type, id: id, in: store ?? self.store) {
            try requireAllowed(.update, existing)
            try requireAllowed(.update, type: type, id: id, content: content)
            return ifMatch ?? existing.version
        }
        try require(.create, on: type)
        try requireAllowed(.create, type: type, id: id, content: content)
        return ifMatch
    }

    /// Checks a delete of `type`/`id` like `checkUpdate`, answering the `If-Match` version.
    func checkDelete(type: String, id: String, ifMatch: Int?, in store: ResourceStore? = nil) async throws -> Int? {
        try require(.delete, on: type)
        guard !isWhole(.delete, on: type), let existing = try await current(type: type, id: id, in: store ?? self.store) else { return ifMatch }
        try requireAllowed(.delete, existing)
        return ifMatch ?? existing.version
    }

    /// The live current version of `type`/`id`, nil when there is none.
    private func current(type: String, id: String, in store: ResourceStore) async throws -> StoredResource? {
        do {
            let resource = try await store.read(type: type, id: id)
            return resource.isDeleted ? nil : resource
        } catch StoreError.notFound {
            return nil
        }
    }

    /// Narrows a search on `type` to what the scopes allow, so pages hold only allowed
    /// matches: the token patient's compartment when only patient scopes allow the search,
    /// and the restriction when exactly one restricted scope does. (Several restricted scopes
    /// are applied to the page by `filter` instead.)
    func narrow(_ query: inout SearchQuery, type: String) throws {
        guard !isWhole(.search, on: type) else { return }
        let scopes = grant.scopes(granting: .search, on: type)
        if scopes.allSatisfy({ $0.context == .patient }), let patient = grant.patient {
            guard store.isInPatientCompartment(type) else {
                throw FHIRError(.forbidden, .forbidden, "\(type) resources are outside any patient's compartment, and the token's scopes reach one patient's")
            }
            query.criteria.append(try compartmentCriterion(patient: patient, memberType: type))
        }
        if scopes.count == 1, let restriction = scopes[0].restriction, let criteria = try? restrictionCriteria(restriction, type: type) {
            query.criteria += criteria
        }
    }

    /// The criterion "in Patient `patient`'s compartment" for `memberType`, from the official
    /// CompartmentDefinition; for a Patient, the patient itself (not those it links to).
    func compartmentCriterion(patient: String, memberType: String) throws -> SearchCriterion {
        if memberType == "Patient", let idParameter = store.registry.parameter("_id", for: memberType) {
            return .match(ParameterMatch(parameter: idParameter, modifier: nil, values: [.token(system: nil, code: patient)]))
        }
        return try Self.compartmentCriterion((type: "Patient", id: patient), memberType: memberType, registry: store.registry)
    }

    static func compartmentCriterion(
        _ compartment: (type: String, id: String), memberType: String, registry: SearchParameterRegistry
    ) throws -> SearchCriterion {
        guard let membership = registry.compartments(for: memberType).first(where: { $0.compartment == compartment.type }) else {
            throw FHIRError(.badRequest, .notSupported, "\(memberType) is not in the \(compartment.type) compartment")
        }
        if membership.parameterCodes.contains("{def}"), memberType == compartment.type,
           let idParameter = registry.parameter("_id", for: memberType) {
            return .match(ParameterMatch(parameter: idParameter, modifier: nil, values: [.token(system: nil, code: compartment.id)]))
        }
        let parameters = membership.parameterCodes.compactMap { registry.parameter($0, for: memberType) }
        return .compartment(ownerType: compartment.type, ownerId: compartment.id, parameters: parameters)
    }

    private func restrictionCriteria(_ restriction: String, type: String) throws -> [SearchCriterion] {
        try parser.parse(resourceType: type, parameters: QueryString.pairs(restriction), strict: true).criteria
    }

    /// Whether a resource meets a v2 scope's search restriction, decided from its own values;
    /// a restriction that cannot be decided that way (a chain) or does not parse is not met.
    private func meets(_ restriction: String, type: String, value: JSONValue) -> Bool {
        guard let criteria = try? restrictionCriteria(restriction, type: type),
              let entries = try? store.indexer.indexValues(for: value) else { return false }
        return SearchMatcher().match(criteria, entries: entries) == .matches
    }

    private func outside(_ type: String, _ id: String) -> FHIRError {
        FHIRError(.forbidden, .forbidden, "\(type)/\(id) is outside what the token's scopes allow (patient compartment or scope restriction)")
    }

    private static func name(_ permission: SMARTScope.Permissions) -> String {
        switch permission {
        case .create: "create"
        case .read: "read"
        case .update: "update"
        case .delete: "delete"
        case .search: "search"
        default: "this interaction"
        }
    }
}
