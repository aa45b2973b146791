import DeviceMapping
import FHIRMapping
import Logging
import PostgresNIO

/// The device mapping and FHIR mapping ingestion runs with: stored in PostgreSQL
/// (`ingest_mapping`), so they survive restarts and every replica uses the same ones, and
/// cached here, parsed, re-read at most once per `refreshInterval`. A mapping is stored only
/// after it parsed without errors, so the running pair is always valid.
public actor MappingCatalog {
    /// A valid pair of mappings and the texts they were parsed from.
    public struct Active: Sendable {
        public let device: DeviceMapping
        public let fhir: FHIRMapping
        public let deviceText: String
        public let fhirText: String
        /// Changes whenever either text changes.
        let versions: [Int64]
    }

    /// Which of the two mappings.
    public enum Kind: String, Sendable, CaseIterable {
        case device, fhir
    }

    /// Why a mapping was refused; the running one stays.
    public enum Invalid: Error, Sendable {
        case device(DeviceMappingErrors)
        case fhir(FHIRMappingErrors)
    }

    private let client: PostgresClient
    private let logger: Logger
    private let refreshInterval: Duration
    private var cached: Active?
    private var checkedAt: ContinuousClock.Instant?

    public init(client: PostgresClient, refreshInterval: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The running mappings; nil until both a device and a FHIR mapping are stored.
    public func current() async throws -> Active? {
        let now = ContinuousClock.now
        if let checkedAt, now - checkedAt < refreshInterval { return cached }
        try await reload()
        checkedAt = now
        return cached
    }

    /// The stored text of one mapping, if any.
    public func text(_ kind: Kind) async throws -> String? {
        let rows = try await client.query("SELECT content FROM ingest_mapping WHERE kind = \(kind.rawValue)", logger: logger)
        for try await content in rows.decode(String.self) { return content }
        return nil
    }

    /// Validates `text` as a mapping of `kind` and makes it the running one (for every
    /// replica); throws `Invalid` with every error and changes nothing when it does not parse.
    public func replace(_ kind: Kind, text: String) async throws {
        try Self.validate(kind, text)
        try await client.query(
            """
            INSERT INTO ingest_mapping (kind, content) VALUES (\(kind.rawValue), \(text))
            ON CONFLICT (kind) DO UPDATE SET content = excluded.content, version = nextval('ingest_mapping_version'), updated_at = now()
             WHERE ingest_mapping.content IS DISTINCT FROM excluded.content
            """, logger: logger)
        checkedAt = nil
    }

    private func reload() async throws {
        var texts: [Kind: (text: String, version: Int64)] = [:]
        let rows = try await client.query("SELECT kind, content, version FROM ingest_mapping", logger: logger)
        for try await (kind, content, version) in rows.decode((String, String, Int64).self) {
            if let kind = Kind(rawValue: kind) { texts[kind] = (content, version) }
        }
        guard let device = texts[.device], let fhir = texts[.fhir] else {
            cached = nil
            return
        }
        let versions = [device.version, fhir.version]
        if cached?.versions == versions { return }
        do {
            cached = Active(device: try DeviceMapping.parse(device.text), fhir: try FHIRMapping.parse(fhir.text),
                            deviceText: device.text, fhirText: fhir.text, versions: versions)
            logger.info("ingest mappings loaded", metadata: ["versions": "\(versions)"])
        } catch {
            // Only validated text is stored; keep running with what we have if someone wrote a bad one by hand.
            logger.error("stored ingest mapping does not parse; keeping the previous one", metadata: ["error": "\(error)"])
        }
    }

    private static func validate(_ kind: Kind, _ text: String) throws(Invalid) {
        switch kind {
        case .device:
            do { _ = try DeviceMapping.parse(text) } catch { throw .device(error) }
        case .fhir:
            do { _ = try FHIRMapping.parse(text) } catch { throw .fhir(error) }
        }
    }
}
