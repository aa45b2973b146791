@testable import FHIRMapping
import Testing

/// `SampledDataCodec.merge` against the plain model of SPEC §3.3/§3.5: the old series'
/// readings at their slot starts plus the new readings (new wins on equal times), each slot of
/// the merged window holding its latest reading.
@Suite struct SampledDataCodecTests {
    private static func model(_ data: String, start: Int64, readings: [TimedValue], window: ObservationWindow, period: Int64) -> String {
        var byTime: [Int64: String] = [:]
        for (index, token) in data.split(separator: " ").enumerated() where token != "E" {
            byTime[start + Int64(index) * period] = String(token)
        }
        for reading in readings { byTime[reading.ticks] = reading.value }
        guard window.end >= window.start else { return "" }
        var slots = [String](repeating: "E", count: Int((window.end - window.start) / period) + 1)
        for (ticks, value) in byTime.sorted(by: { $0.key < $1.key }) where ticks >= window.start && ticks <= window.end {
            slots[Int((ticks - window.start) / period)] = value
        }
        return slots.joined(separator: " ")
    }

    @Test func mergeEqualsDecodingMergingAndEncodingAgain() {
        let period: Int64 = 50_000_000  // 5 s in ticks
        let oldSeries = ["", "70", "70 E 72", "E E 71 73", "60 61 62 63 64 65 E E 68"]
        // New readings: on the grid, between slots, repeated times (the later wins), before the old start.
        let newSets: [[TimedValue]] = [
            [],
            [TimedValue(ticks: 100_000_000, value: "80")],
            [TimedValue(ticks: 120_000_000, value: "81"), TimedValue(ticks: 140_000_000, value: "82")],
            [TimedValue(ticks: 50_000_000, value: "83"), TimedValue(ticks: 50_000_000, value: "84")],
            [TimedValue(ticks: 0, value: "85"), TimedValue(ticks: 449_999_999, value: "86")],
            [TimedValue(ticks: 10_000_000, value: "87"), TimedValue(ticks: 260_000_000, value: "88")],
        ]
        for quarter in 0..<8 {
            let start = Int64(quarter) * 12_500_000  // the old series on the grid or a quarter slot off it
            for data in oldSeries {
                let slots = data.isEmpty ? 0 : data.split(separator: " ").count
                for readings in newSets {
                    let lowest = min(start, readings.map(\.ticks).min() ?? start)
                    let highest = max(start + Int64(max(slots - 1, 0)) * period, readings.map(\.ticks).max() ?? start)
                    let window = ObservationWindow(start: lowest, end: highest)
                    let merged = SampledDataCodec.merge(data, start: start, with: readings, window: window, periodTicks: period)
                    #expect(merged == Self.model(data, start: start, readings: readings, window: window, period: period),
                            "data \(data) from \(start), readings \(readings)")
                }
            }
        }
    }

    @Test func encodeKeepsTheLatestReadingOfEachSlotAndMarksGaps() {
        let window = ObservationWindow(start: 0, end: 149_999_999)
        let readings = [TimedValue(ticks: 10, value: "1"), TimedValue(ticks: 20, value: "2"), TimedValue(ticks: 100_000_000, value: "3")]
        #expect(SampledDataCodec.encode(readings, window: window, periodTicks: 50_000_000) == "2 E 3")
    }
}
