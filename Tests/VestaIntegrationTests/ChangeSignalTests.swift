import FHIRCore
import FHIRStore
import Foundation
import PostgresNIO
import Testing

/// `ChangeSignal` wakes the subscription matcher when this process commits a change: the ring
/// must come only once the change is readable from other connections (a ring before the commit
/// would send the matcher looking too early and leave the change to its next poll).
@Suite struct ChangeSignalTests {
    private struct NoRing: Error {}

    /// Waits for the next ring of `rings` (failing after 30 s instead of hanging), then counts,
    /// through the pool, the change-log rows of `id`.
    private static func changeRowsAtNextRing(_ rings: AsyncStream<Void>, id: String, client: PostgresClient) async throws -> Int {
        guard await ChangeSignal.nextRing(of: rings, within: .seconds(30)) else { throw NoRing() }
        let rows = try await client.query("SELECT count(*) FROM change_log WHERE id = \(id)")
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    private static func patient(_ id: String) -> JSONObject {
        ["resourceType": "Patient", "id": .string(id), "name": [["family": "Signal"]]]
    }

    @Test func ringsOnceAWriteIsCommittedAndReadable() async throws {
        let environment = try await TestDatabase.shared.start()
        let store = ResourceStore(client: environment.client, resourceTypes: environment.definitions.resourceTypes,
                                  indexer: environment.indexer, logger: environment.logger)
        let client = environment.client

        let single = uniqueId("signal-single")
        let afterCreateRings = store.changeSignal.rings()  // listening before the write
        async let afterCreate = Self.changeRowsAtNextRing(afterCreateRings, id: single, client: client)
        _ = try await store.create(Self.patient(single), type: "Patient", id: single)
        #expect(try await afterCreate == 1)

        let set = uniqueId("signal-set")
        let afterCreateAllRings = store.changeSignal.rings()  // listening before the write
        async let afterCreateAll = Self.changeRowsAtNextRing(afterCreateAllRings, id: set, client: client)
        _ = try await store.createAll([NewResource(type: "Patient", id: set, resource: Self.patient(set))])
        #expect(try await afterCreateAll == 1)

        // Inside a transaction the writes ring at its commit, not as they are made.
        let first = uniqueId("signal-tx")
        let afterCommitRings = store.changeSignal.rings()  // listening before the write
        async let afterCommit = Self.changeRowsAtNextRing(afterCommitRings, id: first, client: client)
        try await store.transaction { transaction in
            _ = try await transaction.create(Self.patient(first), type: "Patient", id: first)
            _ = try await transaction.update(Self.patient(first), type: "Patient", id: first, ifMatch: nil)
        }
        #expect(try await afterCommit == 2)
    }
}
