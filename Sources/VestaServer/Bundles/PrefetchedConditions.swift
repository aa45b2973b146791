import FHIRSearch
import FHIRStore

/// The matches of the conditions a transaction's entries carry (`ifNoneExist`, the search of a
/// conditional update, patch or delete, and every conditional reference), found before any
/// entry runs, a hundred searches per statement: a Bundle of thousands of conditional entries
/// costs a few round trips, not one per condition. Two conditions that mean the same search
/// (the same `BundleProcessor.conditionKey`) are searched once.
struct PrefetchedConditions: Sendable {
    private var matches: [String: [StoredResource]] = [:]

    /// The first two matches of `parameters` on `type` (two meaning "more than one"): the
    /// prefetched ones, or what `search` finds when that condition was not prefetched.
    func matches(
        type: String, _ parameters: [(name: String, value: String)], orElse search: () async throws -> [StoredResource]
    ) async throws -> [StoredResource] {
        if let known = matches[BundleProcessor.conditionKey(type: type, parameters)] { return known }
        return try await search()
    }

    /// `Patient?identifier=s|v` → its type and parameters; nil for a plain reference.
    static func condition(ofReference reference: String) -> (type: String, parameters: [(name: String, value: String)])? {
        guard let mark = reference.firstIndex(of: "?") else { return nil }
        return (String(reference[..<mark]), QueryString.pairs(String(reference[reference.index(after: mark)...])))
    }

    /// Finds every condition of `entries` in `store`. A condition that cannot be parsed or
    /// run fails the entry it belongs to (the first, when several carry it), as it would have
    /// failed that entry's own search.
    static func find(
        _ entries: [BundleEntryRequest], processor: BundleProcessor, in store: ResourceStore
    ) async throws -> PrefetchedConditions {
        var keys: [String] = []
        var seen: Set<String> = []
        var owners: [BundleEntryRequest] = []
        var queries: [SearchQuery] = []
        func add(_ type: String, _ parameters: [(name: String, value: String)], interaction: String, of entry: BundleEntryRequest) throws {
            let key = BundleProcessor.conditionKey(type: type, parameters)
            guard !seen.contains(key) else { return }
            do {
                queries.append(try processor.api.conditionQuery(type: type, parameters: parameters, interaction: interaction))
            } catch let error as FHIRError {
                throw BundleEntryError(entry, error)
            }
            seen.insert(key)
            keys.append(key)
            owners.append(entry)
        }
        for entry in entries {
            switch entry.method {
            case .post: if let condition = entry.ifNoneExist { try add(entry.type, condition, interaction: "POST", of: entry) }
            case .put, .patch, .delete: if let condition = entry.query { try add(entry.type, condition, interaction: entry.method.rawValue, of: entry) }
            case .get: break
            }
            guard entry.method == .post || entry.method == .put, let resource = entry.resource else { continue }
            for reference in ReferenceRewriter.conditionalReferences(in: resource, isType: processor.api.definitions.isResourceType) {
                guard let (type, parameters) = condition(ofReference: reference) else { continue }
                try add(type, parameters, interaction: "reference", of: entry)
            }
        }
        let found: [[StoredResource]]
        do {
            found = try await store.matches(ofConditions: queries)
        } catch let failure as ConditionSearchError {
            throw BundleEntryError(owners[failure.index], FHIRError.badRequest(failure.error.description))
        }
        var prefetched = PrefetchedConditions()
        for (key, matches) in zip(keys, found) { prefetched.matches[key] = matches }
        return prefetched
    }
}
