import DeviceMapping

/// One reading of one property at one time.
public struct TimedValue: Sendable, Hashable {
    /// Occurrence time in 100 ns ticks since 1970 (see `ObservationWindow`).
    public let ticks: Int64
    public let value: String
}

/// An Observation's time window in 100 ns ticks since 1970-01-01Z, both ends inclusive.
public struct ObservationWindow: Sendable, Hashable {
    public let start: Int64
    public let end: Int64

    /// `start` in .NET round-trip form (`2019-02-01T22:00:00.0000000Z`).
    public var startText: String { UTCTicks.roundTrip(start) }
    /// `end` in .NET round-trip form (`2019-02-01T22:59:59.9999999Z`).
    public var endText: String { UTCTicks.roundTrip(end) }
}

/// The readings that become one Observation (SPEC §2.3).
public struct ObservationGroup: Sendable, Hashable {
    public let type: String
    public let deviceId: String
    public let patientId: String?
    public let encounterId: String?
    public let correlationId: String?
    public let window: ObservationWindow
    /// The identifier's last segment: `yyyyMMddHHmmssZ.yyyyMMddHHmmssZ` or the correlation id.
    public let segment: String
    /// Readings per property name, sorted by time, one per time (the first wins).
    public let values: [String: [TimedValue]]

    /// Splits a measurement group into observation groups by `interval`, in time order.
    public static func split(
        _ group: MeasurementGroup, by interval: PeriodInterval
    ) throws(ObservationError) -> [ObservationGroup] {
        guard let first = group.measurements.first, let last = group.measurements.last else { return [] }
        var windows: [(window: ObservationWindow, measurements: [Measurement])] = []
        switch interval {
        case .correlationId:
            guard let id = group.correlationId, !id.allSatisfy(\.isWhitespace) else {
                throw ObservationError.correlationIdNotDefined(type: group.type)
            }
            let window = ObservationWindow(start: UTCTicks.ticks(first.occurrenceTimeUtc), end: UTCTicks.ticks(last.occurrenceTimeUtc))
            return [ObservationGroup(group, window: window, segment: id, measurements: group.measurements)]
        case .single, .hourly, .daily:
            for measurement in group.measurements {
                let window = Self.window(containing: UTCTicks.ticks(measurement.occurrenceTimeUtc), interval: interval)
                if windows.last?.window == window {
                    windows[windows.count - 1].measurements.append(measurement)
                } else {
                    windows.append((window, [measurement]))
                }
            }
        }
        return windows.map { entry in
            let segment = UTCTicks.compact(entry.window.start) + "." + UTCTicks.compact(entry.window.end)
            return ObservationGroup(group, window: entry.window, segment: segment, measurements: entry.measurements)
        }
    }

    /// The UTC window of `interval` that contains `ticks` (Single: the instant itself).
    static func window(containing ticks: Int64, interval: PeriodInterval) -> ObservationWindow {
        let length: Int64
        switch interval {
        case .single, .correlationId: return ObservationWindow(start: ticks, end: ticks)
        case .hourly: length = UTCTicks.perHour
        case .daily: length = UTCTicks.perDay
        }
        let start = ticks - UTCTicks.floorSplit(ticks, length).remainder
        return ObservationWindow(start: start, end: start + length - 1)
    }

    private init(_ group: MeasurementGroup, window: ObservationWindow, segment: String, measurements: [Measurement]) {
        type = group.type
        deviceId = group.deviceId
        patientId = group.patientId
        encounterId = group.encounterId
        correlationId = group.correlationId
        self.window = window
        self.segment = segment
        var values: [String: [TimedValue]] = [:]
        for measurement in measurements {
            let ticks = UTCTicks.ticks(measurement.occurrenceTimeUtc)
            for property in measurement.properties where values[property.name]?.last?.ticks != ticks {
                values[property.name, default: []].append(TimedValue(ticks: ticks, value: property.value))
            }
        }
        self.values = values
    }
}
