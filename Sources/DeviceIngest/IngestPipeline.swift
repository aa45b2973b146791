import DeviceMapping
import FHIRCore
import FHIRDefinitions
import FHIRMapping
import FHIRStore
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
        for batch in batches {
            report.deadLetters += read(batch, with: mappings, into: &measurements)
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
        // Groups are independent and wait on PostgreSQL, so a few run at once; the writer merges
        // when two of them touch the same Observation.
        var outcomes: [GroupOutcome] = []
        try await withThrowingTaskGroup(of: GroupOutcome.self) { tasks in
            var next = mapped.makeIterator()
            for _ in 0..<Self.concurrentGroups {
                guard let item = next.next() else { break }
                tasks.addTask { try await write(item.group, template: item.template, issued: issued) }
            }
            while let outcome = try await tasks.next() {
                outcomes.append(outcome)
                if let item = next.next() {
                    tasks.addTask { try await write(item.group, template: item.template, issued: issued) }
                }
            }
        }
        for outcome in outcomes {
            report.observations += outcome.observations
            report.deadLetters += outcome.deadLetters
        }
        return report
    }

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

    /// How many measurement groups of one batch are written at the same time.
    static let concurrentGroups = 8

    /// What writing one measurement group produced.
    struct GroupOutcome: Sendable {
        var observations: [(reference: String, outcome: String)] = []
        var deadLetters: [DeadLetter] = []
    }

    /// Resolves the group's identity and creates or merges its Observations; failures become dead letters.
    private func write(_ group: MeasurementGroup, template: CodeValueFHIRTemplate, issued: FHIRInstant) async throws -> GroupOutcome {
        var outcome = GroupOutcome()
        func deadLetter(_ stage: DeadLetter.Stage, _ reason: String) {
            outcome.deadLetters.append(DeadLetter(stage: stage, reason: reason, typeName: group.type,
                                                  message: .array(group.measurements.map(\.jsonValue))))
        }
        let resolved: ResolvedIdentities
        do {
            resolved = try await identities.resolve(group)
        } catch let failure as IdentityResolver.Failure {
            deadLetter(.identity, failure.description)
            return outcome
        }
        do {
            for observationGroup in try ObservationGroup.split(group, by: template.periodInterval) {
                let written = try await writer.write(observationGroup, template: template, identities: resolved, issued: issued)
                outcome.observations.append(("Observation/\(written.id)", written.outcome.rawValue))
            }
        } catch let error as ObservationError {
            deadLetter(.observation, "\(error)")
        } catch let error as ObservationWriter.Invalid {
            deadLetter(.observation, error.description)
        }
        return outcome
    }
}
