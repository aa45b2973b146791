import ArgumentParser
import FHIRStore

/// `vesta audit`: the tamper-evident audit log.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the tamper-evident hash chain of the audit log.",
        subcommands: [Verify.self])

    /// `vesta audit verify`: chain what is committed, then recompute the whole chain.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chain every committed audit record, then recompute the chain; exit status 1 when it shows tampering.",
            discussion: "No key-encryption key is needed: the chain covers the records as stored. Compare the head printed with one recorded earlier (the server logs \"audit chain head\" every minute) to detect a rewritten tail.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let logger = try database.makeLogger()
            let verification = try await DatabaseConnection.withMigratedClient(database, logger: logger) { client in
                let chain = AuditChain(client: client, logger: logger)
                while try await chain.extend() == AuditChain.defaultLimit {}
                return try await chain.verify()
            }
            print(verification)
            if !verification.isIntact { throw ExitCode(1) }
        }
    }
}
