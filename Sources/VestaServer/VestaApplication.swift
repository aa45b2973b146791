import DeviceIngest
import FHIRCore
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Hummingbird
import Logging
import PostgresNIO

/// Everything the HTTP server needs, assembled once at start-up.
public struct VestaServerDependencies: Sendable {
    public let client: PostgresClient
    public let store: ResourceStore
    public let migrator: Migrator
    public let definitions: FHIRDefinitions
    public let metrics: RequestMetrics
    /// Device ingestion; it runs once a device and a FHIR mapping are stored.
    public let ingest: IngestPipeline
    /// Mappings to store at start (`--mappings-dir`): device mapping text, FHIR mapping text.
    public let startupMappings: (device: String, fhir: String)?
    /// With encryption on: keeps the store's key ring current.
    public let keyRefresh: KeyRingRefresh?
    /// Writes the audit records of interactions the store does not record itself.
    public let audit: AuditRecorder

    public init(client: PostgresClient, store: ResourceStore, migrator: Migrator, definitions: FHIRDefinitions,
                metrics: RequestMetrics, ingest: IngestPipeline, audit: AuditRecorder,
                startupMappings: (device: String, fhir: String)? = nil, keyRefresh: KeyRingRefresh? = nil) {
        self.client = client
        self.store = store
        self.migrator = migrator
        self.definitions = definitions
        self.metrics = metrics
        self.ingest = ingest
        self.startupMappings = startupMappings
        self.keyRefresh = keyRefresh
        self.audit = audit
    }
}

/// Builds Vesta's router and Hummingbird application.
public enum VestaApplication {
    /// The router with every route and middleware; tests drive it directly.
    public static func router(
        configuration: ServerConfiguration, dependencies: VestaServerDependencies, logger: Logger
    ) -> Router<VestaRequestContext> {
        let router = Router(context: VestaRequestContext.self)
        router.add(middleware: RequestObservationMiddleware(metrics: dependencies.metrics))
        router.add(middleware: AuditMiddleware(recorder: dependencies.audit))
        router.add(middleware: OperationOutcomeMiddleware())
        OperationsRoutes(client: dependencies.client, migrator: dependencies.migrator, metrics: dependencies.metrics, logger: logger)
            .register(on: router)
        let api = FHIRAPI(
            store: dependencies.store,
            definitions: dependencies.definitions,
            searchParser: SearchQueryParser(registry: dependencies.store.registry, resourceTypes: Set(dependencies.definitions.resourceTypes)),
            validator: StructuralValidator(definitions: dependencies.definitions),
            capabilityStatement: CapabilityStatementBuilder.build(
                definitions: dependencies.definitions, configuration: configuration, startedAt: .now()),
            configuration: configuration)
        api.register(on: router.group("fhir").add(middleware: ContentNegotiationMiddleware()))
        MappingDebuggerRoutes(maxBodySize: configuration.maxBodySize).register(on: router)
        IngestRoutes(pipeline: dependencies.ingest, maxBodySize: configuration.maxBodySize).register(on: router)
        MappingRoutes(catalog: dependencies.ingest.mappings, maxBodySize: configuration.maxBodySize).register(on: router)
        return router
    }

    /// The application: serves HTTP, runs the database client as a service, applies pending
    /// migrations before accepting connections, and shuts down gracefully on SIGINT/SIGTERM.
    public static func application(
        configuration: ServerConfiguration, dependencies: VestaServerDependencies, logger: Logger
    ) -> some ApplicationProtocol {
        var app = Application(
            router: router(configuration: configuration, dependencies: dependencies, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Vesta"),
            logger: logger)
        app.addServices(dependencies.client)
        if let keyRefresh = dependencies.keyRefresh { app.addServices(keyRefresh) }
        if dependencies.audit.mode == .buffered { app.addServices(AuditFlush(recorder: dependencies.audit, logger: logger)) }
        if dependencies.audit.mode != .off {
            app.addServices(AuditChainService(chain: AuditChain(client: dependencies.client, logger: logger), logger: logger))
        }
        app.addServices(IngestWorker(pipeline: dependencies.ingest, flushInterval: configuration.ingestFlushInterval, logger: logger))
        app.beforeServerStarts {
            try await DatabaseProbe.check(dependencies.client, logger: logger)
            try await dependencies.migrator.migrate(dependencies.client, logger: logger)
            if let mappings = dependencies.startupMappings {
                try await dependencies.ingest.mappings.replace(.device, text: mappings.device)
                try await dependencies.ingest.mappings.replace(.fhir, text: mappings.fhir)
            }
        }
        return app
    }
}
