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
    private let deviceMapping: DeviceMapping
    private let fhirMapping: FHIRMapping
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

    public init(client: PostgresClient, store: ResourceStore, definitions: FHIRDefinitions, deviceMapping: DeviceMapping,
                fhirMapping: FHIRMapping, deviceIdentifierSystem: String? = nil, logger: Logger) {
        buffer = IngestBuffer(client: client, logger: logger)
        self.deviceMapping = deviceMapping
        self.fhirMapping = fhirMapping
        identities = IdentityResolver(client: client, deviceIdentifierSystem: deviceIdentifierSystem, logger: logger)
        writer = ObservationWriter(store: store, validator: StructuralValidator(definitions: definitions))
        self.logger = logger
    }

    /// Claims and processes the oldest pending batch (or only batch `id`); nil when there is none.
    @discardableResult
    public func processNext(id: Int64? = nil) async throws -> Report? {
        guard let batch = try await buffer.claim(id: id) else { return nil }
        let report = try await process(batch)
        try await buffer.complete(batch, deadLetters: report.deadLetters)
        return report
    }

    func process(_ batch: IngestBatch) async throws -> Report {
        var report = Report()
        var measurements: [Measurement] = []
        for message in batch.messages {
            let event = DeviceEvent(envelope: message) ?? DeviceEvent(body: message, enqueuedTime: batch.receivedAt)
            do {
                measurements += try deviceMapping.normalize(event)
            } catch {
                report.deadLetters.append(DeadLetter(stage: .normalize, reason: "\(error.exceptionName): \(error.message)",
                                                     typeName: error.typeName, message: message))
            }
        }
        report.measurements = measurements.count
        let issued = FHIRInstant.now()
        for group in MeasurementGroup.groups(measurements) {
            guard let template = fhirMapping.template(for: group.type) else {
                report.unmapped += group.measurements.count
                continue
            }
            let resolved: ResolvedIdentities
            do {
                resolved = try await identities.resolve(deviceId: group.deviceId)
            } catch let failure as IdentityResolver.Failure {
                report.deadLetters.append(DeadLetter(stage: .identity, reason: failure.description, typeName: group.type,
                                                     message: .array(group.measurements.map(\.jsonValue))))
                continue
            }
            do {
                for observationGroup in try ObservationGroup.split(group, by: template.periodInterval) {
                    let written = try await writer.write(observationGroup, template: template, identities: resolved, issued: issued)
                    report.observations.append(("Observation/\(written.id)", written.outcome.rawValue))
                }
            } catch let error as ObservationError {
                report.deadLetters.append(DeadLetter(stage: .observation, reason: "\(error)", typeName: group.type,
                                                     message: .array(group.measurements.map(\.jsonValue))))
            } catch let error as ObservationWriter.Invalid {
                report.deadLetters.append(DeadLetter(stage: .observation, reason: error.description, typeName: group.type,
                                                     message: .array(group.measurements.map(\.jsonValue))))
            }
        }
        return report
    }
}
