import ArgumentParser
import DeviceIngest
import FHIRDefinitions
import FHIRStore
import Foundation
import Hummingbird
import FHIRSearch
import Logging
import Notifications
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

    @Option(name: .customLong("mappings-dir"),
            help: "Directory with devicecontent.json and fhirmapping.json, stored as the running ingest mappings at start (VESTA_MAPPINGS_DIR).")
    var mappingsDirectoryFlag: String?

    @Option(name: .customLong("device-identifier-system"),
            help: "Identifier system of Device look-ups during ingestion; any system when unset (VESTA_DEVICE_IDENTIFIER_SYSTEM).")
    var deviceIdentifierSystemFlag: String?

    @Option(name: .customLong("identity-resolution"),
            help: "How ingestion finds Device and Patient: lookup, create or lookup-with-encounter (VESTA_IDENTITY_RESOLUTION; default lookup).")
    var identityModeFlag: IdentityMode?

    @Option(name: .customLong("ingest-flush-ms"),
            help: "Milliseconds an ingest batch waits so pending batches merge into one write per Observation (VESTA_INGEST_FLUSH_MS).")
    var ingestFlushMilliseconds: Int = environment("VESTA_INGEST_FLUSH_MS").flatMap(Int.init) ?? 1000

    @Option(name: .customLong("audit"),
            help: "Audit records of reads: immediate (committed before the response), buffered (within 1 s) or off (VESTA_AUDIT; default immediate).")
    var auditModeFlag: AuditMode?

    var auditMode: AuditMode {
        get throws {
            if let auditModeFlag { return auditModeFlag }
            guard let text = environment("VESTA_AUDIT") else { return .immediate }
            guard let mode = AuditMode(rawValue: text) else { throw ValidationError("VESTA_AUDIT must be immediate, buffered or off, not '\(text)'") }
            return mode
        }
    }

    @Flag(name: .customLong("allow-private-endpoints"),
          help: "Let rest-hook Subscriptions use http and private or loopback addresses (VESTA_ALLOW_PRIVATE_ENDPOINTS=1); for tests and closed networks only.")
    var allowPrivateEndpointsFlag = false

    var allowPrivateEndpoints: Bool { allowPrivateEndpointsFlag || environment("VESTA_ALLOW_PRIVATE_ENDPOINTS") == "1" }

    @Option(name: .customLong("subscription-retry-seconds"),
            help: "How long a failing Subscription's deliveries are retried before it is set to error (VESTA_SUBSCRIPTION_RETRY_SECONDS; default 86400).")
    var subscriptionRetrySeconds: Int = environment("VESTA_SUBSCRIPTION_RETRY_SECONDS").flatMap(Int.init) ?? 86_400

    @Option(name: .customLong("subscription-event-retention-hours"),
            help: "How long delivered subscription events are kept for $resend; 0 keeps them for good (VESTA_SUBSCRIPTION_EVENT_RETENTION_HOURS; default 168).")
    var subscriptionEventRetentionHours: Int = environment("VESTA_SUBSCRIPTION_EVENT_RETENTION_HOURS").flatMap(Int.init) ?? 168

    var mappingsDirectory: String? { mappingsDirectoryFlag ?? environment("VESTA_MAPPINGS_DIR") }
    var identityMode: IdentityMode {
        get throws {
            if let identityModeFlag { return identityModeFlag }
            guard let text = environment("VESTA_IDENTITY_RESOLUTION") else { return .lookup }
            guard let mode = IdentityMode(rawValue: text) else {
                throw ValidationError("VESTA_IDENTITY_RESOLUTION must be lookup, create or lookup-with-encounter, not '\(text)'")
            }
            return mode
        }
    }
    var deviceIdentifierSystem: String? { deviceIdentifierSystemFlag ?? environment("VESTA_DEVICE_IDENTIFIER_SYSTEM") }

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var encryptionOptions: EncryptionOptions
    @OptionGroup var accessOptions: AccessOptions
    @OptionGroup var tlsOptions: TLSOptions
    @OptionGroup var eventSinkOptions: EventSinkOptions

    func run() async throws {
        try encryptionOptions.requireKey(for: database)
        let tls = try tlsOptions.load()
        let logger = try database.makeLogger()
        let verifier = try await accessOptions.verifier(host: host)
        logger.info(verifier == nil ? "authentication is off (loopback only)" : "bearer tokens are required")
        let loaded = try LoadedDefinitions.load(database)
        let (definitions, indexer) = (loaded.definitions, loaded.indexer)
        let migrator = try Migrator(directory: try ProjectFiles.directory(named: "migrations", explicit: database.migrationsDirectory))
        let mappings = try mappingsDirectory.map(IngestMappings.load)
        let connection = try await DatabaseConnection.open(database, logger: logger)
        do {
            // The keys live in the database: bring the schema up to date and open them before
            // anything is served, so a missing or wrong key stops the start here.
            let encryption = try await connection.withClient(logger: logger) { client in
                try await migrator.migrate(client, logger: logger)
                return try await EncryptionSetup.prepare(encryptionOptions, client: client, loaded: loaded, logger: logger)
            }
            logger.info(encryption == nil ? "encryption at rest is off" : "encryption at rest is on")
            let client = PostgresClient(configuration: connection.configuration, backgroundLogger: logger)
            let auditMode = try auditMode
            let store = ResourceStore(client: client, resourceTypes: definitions.resourceTypes, indexer: indexer,
                                      encryption: encryption?.atRest, auditing: auditMode != .off, logger: logger)
            let ingest = IngestPipeline(client: client, store: store, definitions: definitions, identityMode: try identityMode,
                                        deviceIdentifierSystem: deviceIdentifierSystem, logger: logger)
            let metrics = RequestMetrics()
            let subscriptions = SubscriptionEngine(
                client: client, store: store, parser: SearchQueryParser(registry: indexer.registry, resourceTypes: Set(definitions.resourceTypes)),
                allowPrivateEndpoints: allowPrivateEndpoints, retryPeriod: .seconds(max(subscriptionRetrySeconds, 0)),
                eventRetention: subscriptionEventRetentionHours > 0 ? .seconds(subscriptionEventRetentionHours * 3600) : nil,
                registry: metrics.registry, logger: logger)
            let publicBase = baseURL?.trimmingSuffix("/")
            let sinks = try eventSinkOptions.sinks
            let eventSinks = sinks.isEmpty ? nil : EventSinkService(
                sinks: sinks, client: client, renderer: ChangeEventRenderer(baseURL: publicBase, address: "\(host):\(port)"),
                registry: metrics.registry, logger: logger)
            let dependencies = VestaServerDependencies(
                client: client, store: store, migrator: migrator, definitions: definitions, metrics: metrics,
                ingest: ingest, audit: AuditRecorder(mode: auditMode, store: store), subscriptions: subscriptions,
                authenticator: Authenticator(verifier: verifier, deviceKeys: DeviceKeyStore(client: client, logger: logger)),
                startupMappings: mappings.map { ($0.device, $0.fhir) },
                keyRefresh: encryption.map { KeyRingRefresh(keys: $0.atRest.keys, store: $0.keyStore, client: client, logger: logger) },
                eventSinks: eventSinks)
            var configuration = ServerConfiguration(
                host: host, port: port, baseURL: publicBase, maxBodySize: maxBodySize,
                ingestFlushInterval: .milliseconds(max(ingestFlushMilliseconds, 0)), smart: accessOptions.discovery, tls: tls)
            configuration.corsOrigin = accessOptions.corsOrigin
            configuration.ingestRateLimit = max(accessOptions.ingestRateLimit, 0)
            configuration.searchRateLimit = max(accessOptions.searchRateLimit, 0)
            logger.info("Vesta listening", metadata: ["url": "\(configuration.scheme)://\(host):\(port)/fhir"])
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

extension IdentityMode: ExpressibleByArgument {}
extension AuditMode: ExpressibleByArgument {}
