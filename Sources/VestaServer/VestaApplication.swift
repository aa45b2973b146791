import DeviceIngest
import FHIRCore
import FHIRDefinitions
import FHIRSearch
import FHIRStore
import Hummingbird
import HummingbirdWebSocket
import Logging
import Notifications
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
    /// Subscriptions: admission of Subscription writes, matching, delivery, websocket bindings.
    public let subscriptions: SubscriptionEngine
    /// Who may call: bearer-token verification, or `.off` (loopback only).
    public let authenticator: Authenticator
    /// Pushes the change feed to webhook sinks (`--event-sink`); nil when none are configured.
    public let eventSinks: EventSinkService?

    public init(client: PostgresClient, store: ResourceStore, migrator: Migrator, definitions: FHIRDefinitions,
                metrics: RequestMetrics, ingest: IngestPipeline, audit: AuditRecorder, subscriptions: SubscriptionEngine,
                authenticator: Authenticator = .off, startupMappings: (device: String, fhir: String)? = nil,
                keyRefresh: KeyRingRefresh? = nil, eventSinks: EventSinkService? = nil) {
        self.client = client
        self.store = store
        self.migrator = migrator
        self.definitions = definitions
        self.metrics = metrics
        self.ingest = ingest
        self.startupMappings = startupMappings
        self.keyRefresh = keyRefresh
        self.audit = audit
        self.subscriptions = subscriptions
        self.authenticator = authenticator
        self.eventSinks = eventSinks
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
        if let origin = configuration.corsOrigin {
            // Outside authentication: browsers send preflight requests without credentials.
            router.add(middleware: CORSMiddleware(
                allowOrigin: origin == "*" ? .all : .custom(origin),
                allowHeaders: [.accept, .authorization, .contentType, .origin, .ifMatch, .ifNoneMatch, .ifNoneExist, .prefer],
                allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
                exposedHeaders: ["Location", "Content-Location", "ETag", "Last-Modified"]))
        }
        router.add(middleware: AuthenticationMiddleware(authenticator: dependencies.authenticator, audit: dependencies.audit))
        if configuration.ingestRateLimit > 0 || configuration.searchRateLimit > 0 {
            router.add(middleware: RateLimitMiddleware(
                ingest: configuration.ingestRateLimit > 0 ? RateLimiter(rate: configuration.ingestRateLimit) : nil,
                search: configuration.searchRateLimit > 0 ? RateLimiter(rate: configuration.searchRateLimit) : nil))
        }
        router.add(middleware: AuditMiddleware(recorder: dependencies.audit))
        router.add(middleware: OperationOutcomeMiddleware())
        OperationsRoutes(client: dependencies.client, migrator: dependencies.migrator, metrics: dependencies.metrics, logger: logger)
            .register(on: router)
        let validator = StructuralValidator(definitions: dependencies.definitions)
        let api = FHIRAPI(
            store: dependencies.store,
            definitions: dependencies.definitions,
            searchParser: dependencies.subscriptions.parser,
            validator: validator,
            admission: ResourceAdmission(validator: validator, subscriptions: dependencies.subscriptions.admission),
            subscriptionOperations: SubscriptionOperations(engine: dependencies.subscriptions, store: dependencies.store),
            capabilityStatement: CapabilityStatementBuilder.build(
                CapabilityStatementBuilder.Facts(
                    definitions: dependencies.definitions, registry: dependencies.store.indexer.registry, configuration: configuration,
                    requiresToken: dependencies.authenticator.verifier != nil),
                startedAt: .now()),
            configuration: configuration)
        let fhir = router.group("fhir").add(middleware: ContentNegotiationMiddleware())
        api.register(on: fhir)
        SMARTConfigurationRoutes(configuration: configuration, authenticator: dependencies.authenticator).register(on: router)
        EventFeedRoutes(client: dependencies.client, changes: dependencies.store.changeSignal,
                        renderer: ChangeEventRenderer(baseURL: configuration.baseURL), logger: logger).register(on: router)
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
            server: SubscriptionWebSocket.server(engine: dependencies.subscriptions, store: dependencies.store,
                                                 authenticator: dependencies.authenticator, tls: configuration.tls),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Vesta"),
            logger: logger)
        app.addServices(dependencies.client)
        if let keyRefresh = dependencies.keyRefresh { app.addServices(keyRefresh) }
        if dependencies.audit.mode == .buffered { app.addServices(AuditFlush(recorder: dependencies.audit, logger: logger)) }
        if dependencies.audit.mode != .off {
            app.addServices(AuditChainService(chain: AuditChain(client: dependencies.client, logger: logger), logger: logger))
        }
        app.addServices(dependencies.subscriptions.service())
        if let retention = dependencies.subscriptions.retention { app.addServices(retention) }
        if let eventSinks = dependencies.eventSinks { app.addServices(eventSinks) }
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
