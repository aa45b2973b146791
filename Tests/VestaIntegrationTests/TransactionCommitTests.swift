import FHIRCore
@testable import FHIRStore
import PostgresNIO
import Testing

/// A transaction is reported committed only when PostgreSQL committed it.
@Suite struct TransactionCommitTests {
    /// A statement whose execution error never reached the store (its rows were not read)
    /// leaves the transaction aborted, and PostgreSQL answers the COMMIT with ROLLBACK rather
    /// than an error: the store must say so instead of returning success.
    @Test func aTransactionRolledBackAtCommitIsAnError() async throws {
        let client = try await FHIRTestClient.make()
        let id = uniqueId("rolled-back")
        await #expect(throws: StoreError.transactionRolledBack) {
            try await client.store.transaction { store in
                _ = try await store.create(["resourceType": "Patient"], type: "Patient", id: id)
                // Fails while executing, after its row description: discarded, the error is lost.
                _ = try await store.database.query("SELECT 1 / (SELECT count(*) - count(*) FROM r_patient)", logger: store.logger)
            }
        }
        #expect(try await client.count("SELECT count(*) FROM r_patient WHERE id = '\(id)'") == 0)
    }
}
