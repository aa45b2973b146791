import Foundation

/// Rules for FHIR logical ids (`[A-Za-z0-9\-\.]{1,64}`).
public enum FHIRId {
    public static func isValid(_ id: some StringProtocol) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 64 else { return false }
        return id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): true
            default: false
            }
        }
    }

    /// A new server-assigned id: a random UUID in lower case.
    public static func generate() -> String {
        UUID().uuidString.lowercased()
    }
}

/// A FHIR `instant` with millisecond precision, always rendered in UTC (`2024-05-01T10:00:00.123Z`).
public struct FHIRInstant: Sendable, Hashable, Comparable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    /// Truncates to the millisecond. A `Date` holds seconds as a `Double`, so an instant that is a
    /// whole millisecond often reads back a hair below it (`…998.9999`); such a value, within the
    /// `Double`'s error of a whole millisecond, is taken as that millisecond rather than floored.
    public init(date: Date) {
        let milliseconds = date.timeIntervalSince1970 * 1000
        let nearest = milliseconds.rounded()
        let tolerance = max(abs(date.timeIntervalSinceReferenceDate), abs(date.timeIntervalSince1970)).ulp * 4000
        millisecondsSince1970 = Int64(abs(milliseconds - nearest) <= tolerance ? nearest : milliseconds.rounded(.down))
    }

    public static func now() -> FHIRInstant { FHIRInstant(date: Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (lhs: FHIRInstant, rhs: FHIRInstant) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    /// `YYYY-MM-DDThh:mm:ss.sssZ`
    public var fhirString: String {
        let c = Self.utcComponents(millisecondsSince1970)
        var text = ""
        text.reserveCapacity(24)
        Self.append(c.year, width: 4, to: &text)
        text += "-"
        Self.append(c.month, width: 2, to: &text)
        text += "-"
        Self.append(c.day, width: 2, to: &text)
        text += "T"
        Self.append(c.hour, width: 2, to: &text)
        text += ":"
        Self.append(c.minute, width: 2, to: &text)
        text += ":"
        Self.append(c.second, width: 2, to: &text)
        text += "."
        Self.append(c.millisecond, width: 3, to: &text)
        text += "Z"
        return text
    }

    /// RFC 7231 IMF-fixdate, for `Last-Modified` (`Sun, 06 Nov 1994 08:49:37 GMT`).
    public var httpDate: String {
        let c = Self.utcComponents(millisecondsSince1970)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = Int(Self.floorDivide(millisecondsSince1970, 86_400_000))
        var text = weekdays[((days % 7) + 7) % 7] + ", "
        Self.append(c.day, width: 2, to: &text)
        text += " " + months[c.month - 1] + " "
        Self.append(c.year, width: 4, to: &text)
        text += " "
        Self.append(c.hour, width: 2, to: &text)
        text += ":"
        Self.append(c.minute, width: 2, to: &text)
        text += ":"
        Self.append(c.second, width: 2, to: &text)
        text += " GMT"
        return text
    }

    /// Appends `value` zero-padded to `width` digits (String(format:) is slow on Linux, and
    /// these run for every response).
    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    private static func utcComponents(_ milliseconds: Int64)
        -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int)
    {
        let days = floorDivide(milliseconds, 86_400_000)
        let millisecondOfDay = Int(milliseconds - days * 86_400_000)
        // Civil-from-days (proleptic Gregorian), after Howard Hinnant's published algorithm.
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        return (year, month, day, millisecondOfDay / 3_600_000, millisecondOfDay / 60_000 % 60,
                millisecondOfDay / 1000 % 60, millisecondOfDay % 1000)
    }

    /// Parses a FHIR `instant`: `YYYY-MM-DDThh:mm:ss[.s+](Z|(+|-)hh:mm)`, strictly (a real
    /// calendar day, proleptic Gregorian as `fhirString` writes it). Digits past milliseconds are dropped.
    public init?(parsing text: String) {
        guard let range = FHIRDateRange(parsing: text), range.precision >= .second, range.hasTimeZone else { return nil }
        self = range.start
    }

    /// Parses an HTTP date (`If-Modified-Since`).
    public init?(httpDate text: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        self.init(date: date)
    }
}
