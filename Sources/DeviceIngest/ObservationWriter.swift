import FHIRCore
import FHIRDefinitions
import FHIRMapping
import FHIRStore

/// Creates or merges one device Observation through the store's normal write path (SPEC §3.5):
/// the same validation and versioning as the REST API, ids deterministic, concurrent writers of
/// the same Observation merged rather than overwritten.
struct ObservationWriter: Sendable {
    let store: ResourceStore
    let validator: StructuralValidator

    enum Outcome: String, Sendable { case created, updated, unchanged }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    func write(_ group: ObservationGroup, template: CodeValueFHIRTemplate, identities: ResolvedIdentities,
               issued: FHIRInstant) async throws -> (id: String, outcome: Outcome) {
        let created = try ObservationBuilder.create(group, template: template, identities: identities, issued: issued)
        guard let new = created.objectValue, let id = new["id"]?.stringValue else {
            throw Invalid(description: "the FHIR template produced no Observation")
        }
        for _ in 0..<8 {
            let existing: StoredResource?
            do {
                existing = try await store.read(type: "Observation", id: id)
            } catch StoreError.notFound {
                existing = nil
            }
            guard let existing, !existing.isDeleted, let text = existing.json, let current = try? JSONReader.parse(text) else {
                try validate(new)
                do {
                    if let tombstone = existing {
                        _ = try await store.update(new, type: "Observation", id: id, ifMatch: tombstone.version)
                    } else {
                        _ = try await store.create(new, type: "Observation", id: id)
                    }
                    return (id, .created)
                } catch StoreError.alreadyExists, StoreError.versionConflict {
                    continue  // another writer got there first: merge into theirs
                }
            }
            guard let merged = try ObservationMerger.merge(current, with: group, template: template)?.objectValue else {
                return (id, .unchanged)
            }
            try validate(merged)
            do {
                _ = try await store.update(merged, type: "Observation", id: id, ifMatch: existing.version)
                return (id, .updated)
            } catch StoreError.versionConflict {
                continue
            }
        }
        throw StoreError.concurrentUpdate(type: "Observation", id: id)
    }

    private func validate(_ observation: JSONObject) throws {
        let errors = validator.validate(.object(observation)).filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw Invalid(description: "invalid Observation: " + errors.map { "\($0.expression.first ?? ""): \($0.diagnostics)" }
                .joined(separator: "; "))
        }
    }
}
