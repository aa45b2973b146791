/// SampledData `data` strings: one token per period slot, `E` where a slot has no reading (SPEC §3.3).
enum SampledDataCodec {
    /// Slot k covers [start + k·period, start + (k+1)·period) for every k with start + k·period ≤ end;
    /// each slot holds its latest reading. Readings outside [start, end] are dropped.
    static func encode(_ readings: [TimedValue], window: ObservationWindow, periodTicks: Int64) -> String {
        var slots = Slots(window: window, periodTicks: periodTicks)
        for reading in readings { slots.place(ticks: reading.ticks, value: Substring(reading.value)) }
        return slots.text
    }

    /// The encoded `data` of a series that starts at `start`, with `readings` merged in and
    /// re-encoded over `window`: each slot holds its latest reading, old or new, and on equal
    /// times the new one. What decoding, merging and encoding again would give, without
    /// materializing every slot as a timed value.
    static func merge(_ data: String, start: Int64, with readings: [TimedValue], window: ObservationWindow,
                      periodTicks: Int64) -> String {
        var slots = Slots(window: window, periodTicks: periodTicks)
        for (index, token) in data.split(separator: " ").enumerated() where token != "E" {
            slots.place(ticks: start + Int64(index) * periodTicks, value: token)
        }
        for reading in readings { slots.place(ticks: reading.ticks, value: Substring(reading.value)) }
        return slots.text
    }

    /// The slots of one window while they are filled.
    private struct Slots {
        let window: ObservationWindow
        let periodTicks: Int64
        var slots: [(ticks: Int64, value: Substring)?]

        init(window: ObservationWindow, periodTicks: Int64) {
            self.window = window
            self.periodTicks = periodTicks
            let count = window.end >= window.start ? Int((window.end - window.start) / periodTicks) + 1 : 0
            slots = Array(repeating: nil, count: count)
        }

        /// Puts a reading in its slot unless the slot holds a later one; later placements win ties.
        mutating func place(ticks: Int64, value: Substring) {
            guard ticks >= window.start, ticks <= window.end else { return }
            let slot = Int((ticks - window.start) / periodTicks)
            if let kept = slots[slot], kept.ticks > ticks { return }
            slots[slot] = (ticks, value)
        }

        var text: String {
            var text = ""
            text.reserveCapacity(slots.count * 4)
            for (index, slot) in slots.enumerated() {
                if index > 0 { text += " " }
                text += slot?.value ?? "E"
            }
            while text.last == " " { text.removeLast() }
            return text
        }
    }
}
