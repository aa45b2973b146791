import DeviceMapping
import FHIRCore
import FHIRDefinitions
import FHIRMapping
import FHIRStore
import class Foundation.ProcessInfo
import Logging
import PostgresNIO

/// Turns buffered device messages into Observations (DESIGN §5, SPEC §1–4): normalize with the
/// device mapping, group by device/type/patient/encounter/correlation and window, resolve
/// identity, then create or merge Observations. A message or group that fails becomes a dead
/// letter and never blocks the rest. Ids are deterministic and merges idempotent, so a batch
/// processed twice (after a crash) ends in the same Observations.
public struct IngestPipeline: Sendable {
    public let buffer: IngestBuffer
    /// The running device and FHIR mappings.
    public let mappings: MappingCatalog
    private let identities: IdentityResolver
    private let writer: ObservationWriter
    private let logger: Logger

    /// What one batch produced.
    public struct Report: Sendable {
        public var observations: [(reference: String, outcome: String)] = []
        public var measurements = 0
        /// Measurements whose type no FHIR template maps (a metric, not an error).
        public var unmapped = 0
        public var deadLetters: [DeadLetter] = []

        public var json: JSONValue {
            [
                "measurements": .number(String(measurements)),
                "unmapped": .number(String(unmapped)),
                "failed": .number(String(deadLetters.count)),
                "observations": .array(observations.map { ["reference": .string($0.reference), "outcome": .string($0.outcome)] }),
                "errors": .array(deadLetters.map { ["stage": .string($0.stage.rawValue), "reason": .string($0.reason)] }),
            ]
        }
    }

    /// - Parameters:
    ///   - identityMode: how Device, Patient and Encounter are found (SPEC §4).
    ///   - deviceIdentifierSystem: the identifier system of Device look-ups; any system when nil.
    public init(client: PostgresClient, store: ResourceStore, definitions: FHIRDefinitions, identityMode: IdentityMode = .lookup,
                deviceIdentifierSystem: String? = nil, logger: Logger) {
        buffer = IngestBuffer(client: client, sealer: store.sealer, logger: logger)
        mappings = MappingCatalog(client: client, logger: logger)
        identities = IdentityResolver(store: store, mode: identityMode, deviceIdentifierSystem: deviceIdentifierSystem, logger: logger)
        writer = ObservationWriter(store: store, validator: StructuralValidator(definitions: definitions))
        self.logger = logger
    }

    /// Claims and processes pending batches together; nil when there are none, or no mappings
    /// yet (batches wait for them).
    @discardableResult
    public func processNext(_ claim: IngestBuffer.Claim) async throws -> Report? {
        guard let active = try await mappings.current() else { return nil }
        let batches = try await buffer.claim(claim)
        guard !batches.isEmpty else { return nil }
        let report = try await process(batches, with: active)
        try await buffer.complete(batches, report: report)
        return report
    }

    /// Processes batch `id` alone (`POST /ingest?wait=true`); nil when a worker has it already.
    @discardableResult
    public func processNext(id: Int64) async throws -> Report? {
        try await processNext(.batch(id))
    }

    func process(_ batches: [IngestBatch], with mappings: MappingCatalog.Active) async throws -> Report {
        var report = Report()
        var measurements: [Measurement] = []
        for (read, failed) in await normalize(batches, with: mappings) {
            measurements += read
            report.deadLetters += failed
        }
        report.measurements = measurements.count
        let issued = FHIRInstant.now()
        var mapped: [(group: MeasurementGroup, template: CodeValueFHIRTemplate)] = []
        for group in MeasurementGroup.groups(measurements) {
            if let template = mappings.fhir.template(for: group.type) {
                mapped.append((group, template))
            } else {
                report.unmapped += group.measurements.count  // a metric, not an error
            }
        }
        // Identity look-ups wait on PostgreSQL (when not cached), so a few run at once.
        var resolved: [(group: MeasurementGroup, template: CodeValueFHIRTemplate, identities: ResolvedIdentities)] = []
        try await withThrowingTaskGroup(of: (MeasurementGroup, CodeValueFHIRTemplate, Result<ResolvedIdentities, IdentityResolver.Failure>).self) { tasks in
            var next = mapped.makeIterator()
            func resolveNext() {
                guard let item = next.next() else { return }
                tasks.addTask {
                    do {
                        return (item.group, item.template, .success(try await identities.resolve(item.group)))
                    } catch let failure as IdentityResolver.Failure {
                        return (item.group, item.template, .failure(failure))
                    }
                }
            }
            for _ in 0..<Self.concurrentLookups { resolveNext() }
            while let (group, template, identity) = try await tasks.next() {
                switch identity {
                case .success(let found): resolved.append((group, template, found))
                case .failure(let failure): report.deadLetters.append(Self.deadLetter(group, stage: .identity, reason: failure.description))
                }
                resolveNext()
            }
        }
        // Every measurement group's Observations, written together.
        var writes: [ObservationWriter.Write] = []
        var owners: [Int] = []  // the index in `resolved` of each write's measurement group
        for (index, item) in resolved.enumerated() {
            do {
                for observationGroup in try ObservationGroup.split(item.group, by: item.template.periodInterval) {
                    writes.append(ObservationWriter.Write(group: observationGroup, template: item.template, identities: item.identities))
                    owners.append(index)
                }
            } catch {
                report.deadLetters.append(Self.deadLetter(item.group, stage: .observation, reason: "\(error)"))
            }
        }
        // A measurement group with a refused Observation becomes one dead letter (its other
        // Observations are written; a retry merges them again without change).
        var refused: [Int: String] = [:]
        for (position, written) in try await writer.writeAll(writes, issued: issued).enumerated() {
            switch written {
            case .success(let observation):
                report.observations.append(("Observation/\(observation.id)", observation.outcome.rawValue))
            case .failure(let refusal):
                if refused[owners[position]] == nil { refused[owners[position]] = refusal.description }
            }
        }
        for (index, reason) in refused.sorted(by: { $0.key < $1.key }) {
            report.deadLetters.append(Self.deadLetter(resolved[index].group, stage: .observation, reason: reason))
        }
        return report
    }

    /// Every batch's measurements and failed messages, in batch order. Normalizing is CPU
    /// work, so slices of the batches are normalized at the same time.
    private func normalize(_ batches: [IngestBatch], with mappings: MappingCatalog.Active) async -> [([Measurement], [DeadLetter])] {
        let slices = min(batches.count, Self.normalizingTasks)
        guard slices > 1 else {
            return batches.map { batch in
                var measurements: [Measurement] = []
                let failed = read(batch, with: mappings, into: &measurements)
                return (measurements, failed)
            }
        }
        return await withTaskGroup(of: (Int, [([Measurement], [DeadLetter])]).self) { tasks in
            for slice in 0..<slices {
                tasks.addTask {
                    var results: [([Measurement], [DeadLetter])] = []
                    for batch in stride(from: slice, to: batches.count, by: slices).map({ batches[$0] }) {
                        var measurements: [Measurement] = []
                        let failed = read(batch, with: mappings, into: &measurements)
                        results.append((measurements, failed))
                    }
                    return (slice, results)
                }
            }
            var bySlice: [Int: [([Measurement], [DeadLetter])]] = [:]
            for await (slice, results) in tasks { bySlice[slice] = results }
            // Batch i is the (i / slices)-th of slice i % slices.
            return batches.indices.compactMap { index in bySlice[index % slices]?[index / slices] }
        }
    }

    /// How many tasks normalize one cycle's batches.
    static let normalizingTasks = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Adds a batch's measurements: its messages normalized with the device mapping, or the
    /// measurements it holds. Returns the messages that failed. A batch posted with a device
    /// key yields only that device's measurements; a message's measurements of other devices
    /// are refused as one dead letter (its own are kept), so a device cannot post as another.
    private func read(_ batch: IngestBatch, with mappings: MappingCatalog.Active, into measurements: inout [Measurement]) -> [DeadLetter] {
        var failed: [DeadLetter] = []
        for message in batch.messages {
            if batch.holdsMeasurements {
                guard let measurement = Measurement(jsonValue: message) else {
                    failed.append(DeadLetter(stage: .normalize, reason: "not a measurement", typeName: nil, message: message, batchId: batch.id))
                    continue
                }
                measurements.append(measurement)
                continue
            }
            let event = DeviceEvent(envelope: message) ?? DeviceEvent(body: message, enqueuedTime: batch.receivedAt)
            let produced: [Measurement]
            do {
                produced = try mappings.device.normalize(event)
            } catch {
                failed.append(DeadLetter(stage: .normalize, reason: "\(error.exceptionName): \(error.message)",
                                         typeName: error.typeName, message: message, batchId: batch.id, deviceId: batch.deviceId))
                continue
            }
            guard let poster = batch.deviceId else {
                measurements += produced
                continue
            }
            measurements += produced.filter { $0.deviceId == poster }
            let foreign = produced.filter { $0.deviceId != poster }
            if let first = foreign.first {
                failed.append(DeadLetter(stage: .authorization, reason: Self.impersonation(by: poster, of: foreign.map(\.deviceId)),
                                         typeName: first.type, message: message, batchId: batch.id, deviceId: poster))
            }
        }
        return failed
    }

    /// Why a device-key batch's measurements of other devices were refused.
    static func impersonation(by poster: String, of others: [String]) -> String {
        var distinct: [String] = []
        for id in others where !distinct.contains(id) { distinct.append(id) }
        return distinct.count == 1
            ? "device \(poster) posted a measurement for device \(distinct[0])"
            : "device \(poster) posted measurements for devices \(distinct.joined(separator: ", "))"
    }

    /// How many identity look-ups of one batch run at the same time.
    static let concurrentLookups = 8

    /// The dead letter of a measurement group that failed at `stage`: its measurements.
    private static func deadLetter(_ group: MeasurementGroup, stage: DeadLetter.Stage, reason: String) -> DeadLetter {
        DeadLetter(stage: stage, reason: reason, typeName: group.type, message: .array(group.measurements.map(\.jsonValue)))
    }
}
