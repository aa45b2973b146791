/// SampledData `data` strings: one token per period slot, `E` where a slot has no reading (SPEC §3.3).
enum SampledDataCodec {
    /// Slot k covers [start + k·period, start + (k+1)·period) for every k with start + k·period ≤ end;
    /// each slot holds its latest reading. Readings outside [start, end] are dropped.
    static func encode(_ readings: [TimedValue], window: ObservationWindow, periodTicks: Int64) -> String {
        guard window.end >= window.start else { return "" }
        let slotCount = Int((window.end - window.start) / periodTicks) + 1
        var slots: [TimedValue?] = Array(repeating: nil, count: slotCount)
        for reading in readings where reading.ticks >= window.start && reading.ticks <= window.end {
            let slot = Int((reading.ticks - window.start) / periodTicks)
            if let kept = slots[slot], kept.ticks > reading.ticks { continue }
            slots[slot] = reading
        }
        let text = slots.map { $0?.value ?? "E" }.joined(separator: " ")
        return String(text.reversed().drop { $0 == " " }.reversed())
    }

    /// The readings of an encoded string, timed at their slot starts; `E` slots are skipped.
    static func decode(_ data: String, start: Int64, periodTicks: Int64) -> [TimedValue] {
        data.split(separator: " ").enumerated().compactMap { index, token in
            token == "E" ? nil : TimedValue(ticks: start + Int64(index) * periodTicks, value: String(token))
        }
    }

    /// `existing` and `new` merged in time order; on equal times the new reading wins.
    static func merge(_ existing: [TimedValue], _ new: [TimedValue]) -> [TimedValue] {
        var byTime: [Int64: TimedValue] = [:]
        for reading in existing + new { byTime[reading.ticks] = reading }
        return byTime.values.sorted { $0.ticks < $1.ticks }
    }
}
