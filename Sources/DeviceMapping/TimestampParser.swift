import FHIRCore

/// Reads a measurement timestamp (SPEC §1.6): ISO-8601 date-times as .NET accepts them.
/// Offsets are honoured, `Z` is UTC and a time without offset is taken as UTC. Precision beyond
/// the millisecond is dropped.
enum TimestampParser {
    /// Accepts `YYYY-MM-DD`, optionally followed by `T` (or a space) and `hh:mm[:ss[.f…]]`, and
    /// a zone `Z`, `±hh:mm`, `±hhmm` or `±hh`. `nil` for anything else, or for an impossible date.
    static func instant(_ text: String) -> FHIRInstant? {
        let trimmed = Array(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard trimmed.count >= 10 else { return nil }
        let date = String(trimmed[..<10])
        guard trimmed.count > 10 else { return FHIRInstant(parsing: date + "T00:00:00Z") }
        guard ["T", "t", " "].contains(trimmed[10]) else { return nil }
        let rest = trimmed[11...]
        let zoneStart = rest.firstIndex { "Zz+-".contains($0) } ?? rest.endIndex
        var time = String(rest[..<zoneStart])
        if time.count == 5 { time += ":00" }  // hh:mm
        guard let zone = zone(String(rest[zoneStart...])) else { return nil }
        return FHIRInstant(parsing: date + "T" + time + zone)
    }

    /// The zone in FHIR form (`Z` or `±hh:mm`); no zone means UTC.
    private static func zone(_ text: String) -> String? {
        guard let sign = text.first, sign == "+" || sign == "-" else {
            return ["", "Z", "z"].contains(text) ? "Z" : nil
        }
        let body = Array(text.dropFirst())
        switch body.count {
        case 2 where body.allSatisfy(\.isASCIIDigit): return String(sign) + String(body) + ":00"
        case 4 where body.allSatisfy(\.isASCIIDigit): return String(sign) + String(body[..<2]) + ":" + String(body[2...])
        case 5: return text
        default: return nil
        }
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
