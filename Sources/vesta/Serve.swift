import ArgumentParser
import FHIRDefinitions
import FHIRStore
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import VestaServer

/// `vesta serve`: the FHIR server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the FHIR server (the default command).")

    @Option(help: "Address to listen on (VESTA_HOST).")
    var host: String = environment("VESTA_HOST") ?? "127.0.0.1"

    @Option(help: "Port to listen on (VESTA_PORT).")
    var port: Int = environment("VESTA_PORT").flatMap(Int.init) ?? 8080

    @Option(name: .customLong("base-url"), help: "Public base URL of the FHIR API, used in Location and links (VESTA_BASE_URL).")
    var baseURLFlag: String?

    var baseURL: String? { baseURLFlag ?? environment("VESTA_BASE_URL") }

    @Option(name: .customLong("max-body-size"), help: "Largest request body in bytes (VESTA_MAX_BODY_SIZE).")
    var maxBodySize: Int = environment("VESTA_MAX_BODY_SIZE").flatMap(Int.init) ?? 16 << 20

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let logger = try database.makeLogger()
        let definitions = try FHIRDefinitions.load(
            conformanceDirectory: try ProjectFiles.directory(named: "conformance", explicit: database.conformanceDirectory))
        let migrator = try Migrator(directory: try ProjectFiles.directory(named: "migrations", explicit: database.migrationsDirectory))
        let connection = try await DatabaseConnection.open(database, logger: logger)
        do {
            let client = PostgresClient(configuration: connection.configuration, backgroundLogger: logger)
            let dependencies = VestaServerDependencies(
                client: client,
                store: ResourceStore(client: client, resourceTypes: definitions.resourceTypes, logger: logger),
                migrator: migrator,
                definitions: definitions,
                metrics: RequestMetrics())
            let configuration = ServerConfiguration(
                host: host, port: port, baseURL: baseURL?.trimmingSuffix("/"), maxBodySize: maxBodySize)
            logger.info("Vesta listening", metadata: ["url": "http://\(host):\(port)/fhir"])
            try await VestaApplication.application(configuration: configuration, dependencies: dependencies, logger: logger)
                .runService()
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
