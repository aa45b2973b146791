import FHIRCore
import FHIRDefinitions
import FHIRMapping
import FHIRStore

/// Creates or merges device Observations through the store's normal write path (SPEC §3.5):
/// the same validation, indexing, versioning and change log as the REST API, ids
/// deterministic. Set-based: a chunk of Observations is locked and read in one query, merged in
/// memory, and written in a few statements, inside one transaction, so concurrent workers (or
/// replicas) writing the same Observation merge one after the other instead of overwriting.
struct ObservationWriter: Sendable {
    let store: ResourceStore
    let validator: StructuralValidator

    enum Outcome: String, Sendable { case created, updated, unchanged }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// One Observation write: a window's readings, the template that maps them, and who they are of.
    struct Write: Sendable {
        let group: ObservationGroup
        let template: CodeValueFHIRTemplate
        let identities: ResolvedIdentities
    }

    /// What became of one write: the Observation's id and outcome, or why it was refused (a
    /// dead letter; the chunk's other writes go ahead).
    typealias Written = Result<(id: String, outcome: Outcome), Refusal>

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Observations per transaction: large enough that a flush of thousands of windows takes
    /// few round trips, small enough that the rows stay locked briefly.
    static let chunkSize = 500

    /// Chunks written at the same time.
    static let concurrentChunks = 2

    /// Writes every write, in input order of outcomes. Writes that produce the same
    /// Observation are merged in input order.
    func writeAll(_ writes: [Write], issued: FHIRInstant) async throws -> [Written] {
        var results: [Written?] = Array(repeating: nil, count: writes.count)
        // Chunks of whole ids, so writes of one Observation are merged in one transaction.
        var order: [String] = []
        var byId: [String: [Int]] = [:]
        for (position, write) in writes.enumerated() {
            let id = ObservationIdentity.id(identifierValue: ObservationIdentity.identifierValue(write.group, identities: write.identities))
            if byId[id] == nil { order.append(id) }
            byId[id, default: []].append(position)
        }
        let chunks = stride(from: 0, to: order.count, by: Self.chunkSize).map { start in
            order[start..<min(start + Self.chunkSize, order.count)].map { ($0, byId[$0] ?? []) }
        }
        // Chunks hold disjoint ids, so they never wait on each other's row locks: a few run at
        // once, one building bodies while another's statements run.
        try await withThrowingTaskGroup(of: [(Int, Written)].self) { tasks in
            var next = chunks.makeIterator()
            func writeNext() {
                guard let chunk = next.next() else { return }
                tasks.addTask { try await store.transaction { store in try await write(chunk, writes: writes, issued: issued, in: store) } }
            }
            for _ in 0..<Self.concurrentChunks { writeNext() }
            while let outcomes = try await tasks.next() {
                for (position, outcome) in outcomes { results[position] = outcome }
                writeNext()
            }
        }
        return results.map { $0 ?? .failure(Refusal(description: "not written")) }
    }

    /// One transaction's work (repeatable: `transaction` may run it again after a conflict):
    /// lock and read the current versions, fold each id's writes into them in order (building
    /// a new Observation only where there is none), then create the new Observations and
    /// replace the changed ones.
    private func write(_ chunk: [(id: String, positions: [Int])], writes: [Write], issued: FHIRInstant,
                       in store: ResourceStore) async throws -> [(Int, Written)] {
        let current = try await store.lockCurrent(type: "Observation", ids: chunk.map(\.id))
        var outcomes: [(Int, Written)] = []
        var creates: [NewResource] = []
        var replacements: [Replacement] = []
        for (id, positions) in chunk {
            let row = current[id]
            let stored = row.flatMap { $0.json }.flatMap { try? JSONReader.parse($0) }?.objectValue
            var state = stored
            for position in positions {
                let write = writes[position]
                do {
                    guard let existing = state else {
                        // Only built when there is nothing to merge into.
                        let created = try ObservationBuilder.create(write.group, template: write.template, identities: write.identities,
                                                                    issued: issued)
                        guard let new = created.objectValue else { throw Invalid(description: "the FHIR template produced no Observation") }
                        try validate(new)
                        state = new
                        outcomes.append((position, .success((id, .created))))
                        continue
                    }
                    guard let merged = try ObservationMerger.merge(.object(existing), with: write.group, template: write.template)?.objectValue else {
                        outcomes.append((position, .success((id, .unchanged))))
                        continue
                    }
                    try validate(merged)
                    state = merged
                    outcomes.append((position, .success((id, .updated))))
                } catch {
                    outcomes.append((position, .failure(Refusal(description: Self.reason(error)))))
                }
            }
            guard let final = state, final != stored else { continue }
            if let row {
                replacements.append(Replacement(type: "Observation", id: id, current: row, resource: final))
            } else {
                creates.append(NewResource(type: "Observation", id: id, resource: final))
            }
        }
        _ = try await store.createAll(creates)
        _ = try await store.replaceAll(replacements)
        return outcomes
    }

    private func validate(_ observation: JSONObject) throws {
        let errors = validator.validate(.object(observation)).filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw Invalid(description: "invalid Observation: " + errors.map { "\($0.expression.first ?? ""): \($0.diagnostics)" }
                .joined(separator: "; "))
        }
    }

    /// A dead letter's reason for an error of building, merging or validating an Observation.
    private static func reason(_ error: any Error) -> String {
        if let invalid = error as? Invalid { return invalid.description }
        return "\(error)"
    }
}
