import FHIRCore
import FHIRStore
import Foundation

/// A `transaction`: every entry or none, in one PostgreSQL transaction, in the order the
/// specification gives (http.html#trules): DELETE, POST, PUT/PATCH, then GET.
extension BundleProcessor {
    /// Processes the entries atomically; the results are in entry order. The first failing
    /// entry is thrown as its `BundleEntryError`, after everything was rolled back.
    func transaction(_ parsed: [Result<BundleEntryRequest, BundleEntryError>]) async throws -> [BundleEntryResult] {
        // Everything that needs no database is checked once, before the transaction opens.
        let entries = try parsed.map { result throws(BundleEntryError) in try prepare(try result.get()) }
        try checkFullUrls(entries)
        let newIds = entries.map { _ in FHIRId.generate() }
        let lockKeys = entries.compactMap(Self.creatingCondition)
        return try await api.store.transaction { store in
            // Conditional creates of the same condition wait for each other here, so the searches
            // below see what a racing transaction created.
            try await store.lockConditions(lockKeys)
            let prefetched = try await PrefetchedConditions.find(entries, processor: self, in: store)
            var actions: [Action] = []
            actions.reserveCapacity(entries.count)
            for (entry, newId) in zip(entries, newIds) {
                actions.append(try await resolve(entry, newId: newId, in: store, prefetched: prefetched))
            }
            try checkDistinctTargets(entries, actions)
            let rewriter = try await makeRewriter(entries, actions, prefetched: prefetched, in: store)
            var results = [BundleEntryResult?](repeating: nil, count: entries.count)
            func run(_ wanted: (BundleEntryRequest.Method) -> Bool) async throws {
                for (index, entry) in entries.enumerated() where wanted(entry.method) {
                    if case .create = actions[index] { continue }
                    var entry = entry
                    if entry.method == .put { entry.resource = try Self.rewritten(entry, rewriter) }
                    results[index] = try await execute(entry, actions[index], in: store)
                }
            }
            try await run { $0 == .delete }
            for (index, result) in try await createAll(entries, actions, rewriter: rewriter, in: store) { results[index] = result }
            try await run { $0 == .post || $0 == .put || $0 == .patch }
            try await run { $0 == .get }
            return results.compactMap { $0 }
        }
    }

    /// Two entries with the same `fullUrl` cannot both be the target of a reference: 400.
    private func checkFullUrls(_ entries: [BundleEntryRequest]) throws(BundleEntryError) {
        var seen: Set<String> = []
        for entry in entries {
            guard let fullUrl = entry.fullUrl else { continue }
            if !seen.insert(fullUrl).inserted {
                throw BundleEntryError(entry, FHIRError.badRequest("Another entry has the same fullUrl '\(fullUrl)'"))
            }
        }
    }

    /// Two entries writing the same resource (after conditions resolved) fail the transaction.
    private func checkDistinctTargets(_ entries: [BundleEntryRequest], _ actions: [Action]) throws(BundleEntryError) {
        var writers: [String: Int] = [:]
        for (entry, action) in zip(entries, actions) {
            guard let id = action.writtenId else { continue }
            let key = "\(entry.type)/\(id)"
            if let earlier = writers.updateValue(entry.index, forKey: key) {
                throw BundleEntryError(entry, FHIRError.badRequest("Entries \(earlier) and \(entry.index) both change \(key)"))
            }
        }
    }

    /// Every entry's `fullUrl` → the `Type/id` it resolved to, plus every conditional reference
    /// in the entries' resources → its one match.
    private func makeRewriter(
        _ entries: [BundleEntryRequest], _ actions: [Action], prefetched: PrefetchedConditions, in store: ResourceStore
    ) async throws -> ReferenceRewriter {
        var rewriter = ReferenceRewriter { reference in
            "The reference '\(reference)' is not the fullUrl of an entry of this transaction that creates or updates a resource"
        }
        for (entry, action) in zip(entries, actions) {
            guard let fullUrl = entry.fullUrl else { continue }
            switch action {
            case .create(let id), .update(let id), .patch(let id): rewriter.targets[fullUrl] = "\(entry.type)/\(id)"
            case .existing(let match): rewriter.targets[fullUrl] = "\(entry.type)/\(match.id)"
            case .delete, .deleteNothing, .read: continue
            }
        }
        for entry in entries where entry.method == .post || entry.method == .put {
            guard let resource = entry.resource else { continue }
            for reference in ReferenceRewriter.conditionalReferences(in: resource, isType: api.definitions.isResourceType)
            where rewriter.targets[reference] == nil {
                rewriter.targets[reference] = try await scoped(entry) {
                    try await resolveConditionalReference(reference, in: store, prefetched: prefetched)
                }
            }
        }
        return rewriter
    }

    /// The creates, set-based: one multi-row statement per resource type (per chunk).
    private func createAll(
        _ entries: [BundleEntryRequest], _ actions: [Action], rewriter: ReferenceRewriter, in store: ResourceStore
    ) async throws -> [(Int, BundleEntryResult)] {
        var indices: [Int] = []
        var creates: [NewResource] = []
        let access = try api.access()
        for (index, entry) in entries.enumerated() {
            guard case .create(let id) = actions[index] else { continue }
            var resource = try Self.rewritten(entry, rewriter)
            resource["id"] = .string(id)
            do {
                try access.requireAllowed(.create, type: entry.type, id: id, content: resource)
            } catch let error as FHIRError {
                throw BundleEntryError(entry, error)
            }
            indices.append(index)
            creates.append(NewResource(type: entry.type, id: id, resource: resource))
        }
        guard !creates.isEmpty else { return [] }
        let written: [WriteResult]
        do {
            written = try await store.createAll(creates)
        } catch let error as StoreError {
            // Name the entry the failure belongs to (e.g. a resource that cannot be indexed).
            let position = Self.resourceId(of: error).flatMap { id in creates.firstIndex { $0.id == id } } ?? 0
            throw BundleEntryError(entries[indices[position]], FHIRError(error))
        }
        return zip(indices, written).map { index, result in (index, self.written(result, entry: entries[index])) }
    }

    /// The entry's resource with its references rewritten.
    private static func rewritten(_ entry: BundleEntryRequest, _ rewriter: ReferenceRewriter) throws(BundleEntryError) -> JSONObject {
        do {
            return try rewriter.rewrite(entry.resource ?? JSONObject())
        } catch {
            throw BundleEntryError(entry, error)
        }
    }

    private static func resourceId(of error: StoreError) -> String? {
        switch error {
        case .unindexable(_, let id, _), .unreadable(_, let id, _), .alreadyExists(_, let id), .notFound(_, let id): id
        default: nil
        }
    }
}
