import DeviceMapping

/// Measurements of one device, type, patient, encounter and correlation id in one batch, one per
/// distinct reading time (SPEC §2.2).
public struct MeasurementGroup: Sendable, Hashable {
    public let type: String
    public let deviceId: String
    public let patientId: String?
    public let encounterId: String?
    public let correlationId: String?
    /// The de-duplicated measurements, sorted by occurrence time.
    public let measurements: [Measurement]

    /// Groups a batch by the exact key `DeviceId-Type-PatientId-EncounterId-CorrelationId`, in
    /// first-seen order. Of measurements with the same occurrence time the one with the greatest
    /// ingestion time wins; on a tie (or none) the later one in `batch` wins.
    public static func groups(_ batch: [Measurement]) -> [MeasurementGroup] {
        var order: [Key] = []
        var members: [Key: [Measurement]] = [:]
        for measurement in batch {
            let key = Key(measurement)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(measurement)
        }
        return order.map { key in
            var latest: [Int64: Measurement] = [:]
            for measurement in members[key] ?? [] {
                let time = measurement.occurrenceTimeUtc.millisecondsSince1970
                if let kept = latest[time], Self.ingestion(kept) > Self.ingestion(measurement) { continue }
                latest[time] = measurement
            }
            return MeasurementGroup(
                type: key.type, deviceId: key.deviceId, patientId: key.patientId, encounterId: key.encounterId,
                correlationId: key.correlationId,
                measurements: latest.values.sorted { $0.occurrenceTimeUtc < $1.occurrenceTimeUtc })
        }
    }

    private static func ingestion(_ measurement: Measurement) -> Int64 {
        measurement.ingestionTimeUtc?.millisecondsSince1970 ?? .min
    }

    private struct Key: Hashable {
        let type: String
        let deviceId: String
        let patientId: String?
        let encounterId: String?
        let correlationId: String?

        init(_ measurement: Measurement) {
            type = measurement.type
            deviceId = measurement.deviceId
            patientId = measurement.patientId
            encounterId = measurement.encounterId
            correlationId = measurement.correlationId
        }
    }
}
