import FHIRCore
import FHIRStore
import Logging

/// A `batch`: each entry on its own, as if it were a single request; one failing entry
/// never affects another, and each gets its own status (and OperationOutcome when it fails).
extension BundleProcessor {
    /// Processes the entries one after another, in order; never throws.
    func batch(_ parsed: [Result<BundleEntryRequest, BundleEntryError>], logger: Logger) async -> [BundleEntryResult] {
        var results: [BundleEntryResult] = []
        results.reserveCapacity(parsed.count)
        for result in parsed {
            do {
                results.append(try await batchEntry(try result.get()))
            } catch let error as BundleEntryError {
                results.append(.failed(error))
            } catch {
                logger.error("batch entry failed", metadata: ["error": "\(String(reflecting: error))"])
                let index = results.count
                results.append(.failed(BundleEntryError(index: index, label: "Entry \(index)",
                                                        error: FHIRError(.internalServerError, .exception, "Internal server error"))))
            }
        }
        return results
    }

    private func batchEntry(_ parsed: BundleEntryRequest) async throws -> BundleEntryResult {
        var entry = try prepare(parsed)
        let store = api.store
        if let resource = entry.resource, entry.method == .post || entry.method == .put {
            var rewriter = ReferenceRewriter { reference in
                "A batch entry cannot reference another entry ('\(reference)'); use a transaction"
            }
            for reference in ReferenceRewriter.conditionalReferences(in: resource, isType: api.definitions.isResourceType) {
                rewriter.targets[reference] = try await scoped(entry) { try await resolveConditionalReference(reference, in: store) }
            }
            do {
                entry.resource = try rewriter.rewrite(resource)
            } catch {
                throw BundleEntryError(entry, error)
            }
        }
        let action = try await resolve(entry, newId: FHIRId.generate(), in: store)
        return try await execute(entry, action, in: store)
    }
}
