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
        var generator = SplitMix(seed: 42)
        let period: Int64 = 50_000_000  // 5 s in ticks
        for _ in 0..<500 {
            let start = Int64(generator.next() % 40) * 12_500_000  // old series starting on or off the grid
            let oldSlots = Int(generator.next() % 30)
            let data = (0..<oldSlots).map { _ in generator.next() % 3 == 0 ? "E" : String(generator.next() % 100) }.joined(separator: " ")
            let readings = (0..<Int(generator.next() % 8)).map { _ in
                TimedValue(ticks: Int64(generator.next() % 200) * 10_000_000, value: String(100 + generator.next() % 100))
            }
            let lowest = min(start, readings.map(\.ticks).min() ?? start)
            let highest = max(start + Int64(max(oldSlots - 1, 0)) * period, readings.map(\.ticks).max() ?? start)
            let window = ObservationWindow(start: lowest, end: highest)
            let merged = SampledDataCodec.merge(data, start: start, with: readings, window: window, periodTicks: period)
            #expect(merged == Self.model(data, start: start, readings: readings, window: window, period: period),
                    "data \(data) from \(start), readings \(readings)")
        }
    }

    @Test func encodeKeepsTheLatestReadingOfEachSlotAndMarksGaps() {
        let window = ObservationWindow(start: 0, end: 149_999_999)
        let readings = [TimedValue(ticks: 10, value: "1"), TimedValue(ticks: 20, value: "2"), TimedValue(ticks: 100_000_000, value: "3")]
        #expect(SampledDataCodec.encode(readings, window: window, periodTicks: 50_000_000) == "2 E 3")
    }
}

/// A small seeded generator, so failures reproduce.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
