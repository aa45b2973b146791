import FHIRCore

/// Times at .NET's 100 ns tick precision, counted from 1970-01-01T00:00:00Z, as the OSS
/// window ends (`…59:59.9999999Z`) need.
enum UTCTicks {
    static let perMillisecond: Int64 = 10_000
    static let perSecond: Int64 = 10_000_000
    static let perHour: Int64 = 3_600 * perSecond
    static let perDay: Int64 = 24 * perHour

    static func ticks(_ instant: FHIRInstant) -> Int64 { instant.millisecondsSince1970 * perMillisecond }

    /// .NET round-trip form, e.g. `2019-02-01T22:59:59.9999999Z`.
    static func roundTrip(_ ticks: Int64) -> String {
        let (milliseconds, rest) = floorSplit(ticks, perMillisecond)
        let base = FHIRInstant(millisecondsSince1970: milliseconds).fhirString  // …ss.fffZ
        return String(base.dropLast()) + pad(rest, width: 4) + "Z"
    }

    /// The identifier segment form `yyyyMMddHHmmssZ` (second precision).
    static func compact(_ ticks: Int64) -> String {
        let milliseconds = floorSplit(ticks, perMillisecond).quotient
        let text = FHIRInstant(millisecondsSince1970: milliseconds).fhirString
        return String(text.prefix(19).filter { $0.isASCIIDigit }) + "Z"
    }

    /// Parses a FHIR dateTime/instant with seconds and a zone, keeping digits down to ticks.
    static func parse(_ text: String) -> Int64? {
        guard let instant = FHIRInstant(parsing: text) else { return nil }
        var extra: Int64 = 0
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCIIDigit }
            let subMillisecond = digits.dropFirst(3).prefix(4)
            extra = Int64(String(subMillisecond) + String(repeating: "0", count: 4 - subMillisecond.count)) ?? 0
        }
        return ticks(instant) + extra
    }

    static func floorSplit(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }

    private static func pad(_ value: Int64, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
