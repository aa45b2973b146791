import DeviceIngest
import DeviceMapping
import Encryption
import FHIRCore
import FHIRMapping
import FHIRSearch
import FHIRStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Notifications
import PostgresNIO
import Testing
import VestaServer

/// A response with its body parsed as JSON when it has one.
struct FHIRTestResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: JSONValue? { try? JSONReader.parse(text) }
    var object: JSONObject { json?.objectValue ?? JSONObject() }

    /// The diagnostics of an OperationOutcome body, joined.
    var diagnostics: String {
        (object["issue"]?.arrayValue ?? []).compactMap { $0["diagnostics"]?.stringValue }.joined(separator: " | ")
    }

    /// `expression` of every issue of an OperationOutcome body.
    var issueExpressions: [String] {
        (object["issue"]?.arrayValue ?? []).flatMap { $0["expression"]?.arrayValue ?? [] }.compactMap(\.stringValue)
    }

    var isOperationOutcome: Bool { object["resourceType"] == "OperationOutcome" }
}

/// Drives the Vesta router in-process against the test database.
struct FHIRTestClient: Sendable {
    let environment: TestDatabase.Environment
    let configuration: ServerConfiguration
    /// Encryption at rest and its keys, when the client was made `encrypted`.
    let encryption: AtRestEncryption?
    let keyStore: KeyStore?
    /// How reads are audited; writes are audited unless `.off`.
    let auditMode: AuditMode
    /// The audit recorder of this client's requests (one per client, so buffered records queue up).
    let audit: AuditRecorder

    /// - Parameters:
    ///   - isolated: a database of its own, for tests that change server-wide state.
    ///   - readyMappings: store the bench-vitals mappings before the first request.
    ///   - identityMode: how ingestion resolves Device and Patient.
    ///   - encrypted: encryption at rest on, with a fresh key-encryption key (implies `isolated`).
    ///   - audit: the audit log (implies `isolated` unless `.off`).
    ///   - allowPrivateEndpoints: rest-hooks may reach the tests' local receivers over http.
    ///   - subscriptionRetry: how long failing deliveries are retried before a Subscription is set to error.
    ///   - cluster: the test cluster (`TestDatabase.longTransactions` for a test holding a transaction open for long).
    static func make(maxBodySize: Int = 16 << 20, isolated: Bool = false, readyMappings: Bool = true,
                     identityMode: IdentityMode = .lookup, encrypted: Bool = false, audit: AuditMode = .off,
                     allowPrivateEndpoints: Bool = true, subscriptionRetry: Duration = .seconds(86_400),
                     authenticator: Authenticator = .off, cluster: TestDatabase = .shared,
                     configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> FHIRTestClient {
        // Device keys always work, as in `vesta serve`; the store reads this client's database.
        let separate = isolated || encrypted || audit != .off
        let environment = separate ? try await cluster.isolated() : try await cluster.start()
        let keys = encrypted ? try await TestEncryption.make(environment, keyEncryptionKey: try SymmetricKey.random()) : nil
        let encryption = keys?.encryption
        let store = ResourceStore(client: environment.client, resourceTypes: environment.definitions.resourceTypes,
                                  indexer: environment.indexer, encryption: encryption, auditing: audit != .off, logger: environment.logger)
        let ingest = IngestPipeline(client: environment.client, store: store, definitions: environment.definitions,
                                    identityMode: identityMode, logger: environment.logger)
        if readyMappings { try await ReadyMappings.store(in: ingest.mappings) }
        let subscriptions = SubscriptionEngine(
            client: environment.client, store: store,
            parser: SearchQueryParser(registry: environment.indexer.registry, resourceTypes: Set(environment.definitions.resourceTypes)),
            allowPrivateEndpoints: allowPrivateEndpoints, retryPeriod: subscriptionRetry, registry: Self.metrics.registry, logger: environment.logger)
        var configuration = ServerConfiguration(baseURL: "http://vesta.test/fhir", maxBodySize: maxBodySize)
        configure(&configuration)
        return FHIRTestClient(environment: environment,
                              configuration: configuration,
                              encryption: encryption, keyStore: keys?.keyStore, auditMode: audit,
                              audit: AuditRecorder(mode: audit, store: store), ingest: ingest, subscriptions: subscriptions,
                              authenticator: Authenticator(verifier: authenticator.verifier,
                                                           deviceKeys: DeviceKeyStore(client: environment.client, logger: environment.logger)))
    }

    var store: ResourceStore {
        ResourceStore(client: environment.client, resourceTypes: environment.definitions.resourceTypes,
                      indexer: environment.indexer, encryption: encryption, auditing: auditMode != .off, logger: environment.logger)
    }

    /// The same database and settings with a new subscription matcher and dispatcher: what a
    /// restarted server (or another replica) brings up.
    func restarted() -> FHIRTestClient {
        let fresh = SubscriptionEngine(
            client: environment.client, store: store, parser: subscriptions.parser, allowPrivateEndpoints: true,
            retryPeriod: .seconds(86_400), registry: Self.metrics.registry, logger: environment.logger)
        return FHIRTestClient(environment: environment, configuration: configuration, encryption: encryption, keyStore: keyStore,
                              auditMode: auditMode, audit: audit, ingest: ingest, subscriptions: fresh, authenticator: authenticator)
    }

    /// Ingestion with the ready mappings of `mappings/vesta-bench-vitals`.
    let ingest: IngestPipeline
    /// Subscription matching and delivery; tests run its steps (or its service) themselves.
    let subscriptions: SubscriptionEngine
    /// Who may call (authorization off unless a test gives a verifier).
    let authenticator: Authenticator

    /// What the server is assembled from, as `vesta serve` assembles it.
    var dependencies: VestaServerDependencies {
        VestaServerDependencies(
            client: environment.client, store: store, migrator: environment.migrator,
            definitions: environment.definitions, metrics: Self.metrics, ingest: ingest, audit: audit, subscriptions: subscriptions,
            authenticator: authenticator)
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, bytes: [UInt8]? = nil,
              headers: HTTPFields = [:]) async throws -> FHIRTestResponse {
        let router = VestaApplication.router(configuration: configuration, dependencies: dependencies, logger: environment.logger)
        var fields = headers
        if body != nil || bytes != nil, fields[.contentType] == nil { fields[.contentType] = "application/fhir+json" }
        let buffer = bytes.map { ByteBuffer(bytes: $0) } ?? body.map { ByteBuffer(string: $0) }
        let requestHeaders = fields
        return try await Application(router: router, logger: environment.logger).test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: requestHeaders, body: buffer) { response in
                FHIRTestResponse(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, json: JSONValue, headers: HTTPFields = [:]) async throws -> FHIRTestResponse {
        try await send(method, uri, body: JSONWriter.string(json), headers: headers)
    }

    /// The single integer a SQL query returns (for checking what the database holds).
    func count(_ sql: String) async throws -> Int {
        let rows = try await environment.client.query(PostgresQuery(unsafeSQL: sql))
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    static let metrics = RequestMetrics()
}

/// The mappings every test client ingests with: `mappings/vesta-bench-vitals`, read once.
enum ReadyMappings {
    static let texts = Result { () throws -> (device: String, fhir: String) in
        let folder = ProjectPaths.root.appendingPathComponent("mappings/vesta-bench-vitals")
        return (try String(contentsOf: folder.appendingPathComponent("devicecontent.json"), encoding: .utf8),
                try String(contentsOf: folder.appendingPathComponent("fhirmapping.json"), encoding: .utf8))
    }

    static func store(in catalog: MappingCatalog) async throws {
        let texts = try texts.get()
        try await catalog.replace(.device, text: texts.device)
        try await catalog.replace(.fhir, text: texts.fhir)
    }
}

/// A fresh id nobody else uses, so tests can run in parallel on one database.
func uniqueId(_ prefix: String = "t") -> String {
    "\(prefix)-\(UUID().uuidString.lowercased().prefix(18))"
}

/// A resource without the server-maintained `meta.versionId` / `meta.lastUpdated`
/// (and without `meta` when nothing else was in it), for comparing what was sent with what came back.
func withoutServerMeta(_ value: JSONValue) -> JSONValue {
    guard var object = value.objectValue else { return value }
    if var meta = object["meta"]?.objectValue {
        meta["versionId"] = nil
        meta["lastUpdated"] = nil
        object["meta"] = meta.isEmpty ? nil : .object(meta)
    }
    return .object(object)
}
