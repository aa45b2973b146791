/// The span of time a FHIR `date`/`dateTime`/`instant` value denotes, by its precision:
/// `2020` is the whole year, `2020-03` the month, `2020-03-01T10:00Z` the minute.
/// Values without a time zone are taken as UTC.
public struct FHIRDateRange: Sendable, Hashable {
    /// How much of the value was written; the range spans one unit of it.
    public enum Precision: Int, Sendable, Comparable {
        case year, month, day, minute, second, fraction

        public static func < (lhs: Precision, rhs: Precision) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public let start: FHIRInstant
    /// Exclusive end.
    public let end: FHIRInstant
    public let precision: Precision
    /// Whether the value carried a time zone (`Z` or an offset); values without one are read as UTC.
    public let hasTimeZone: Bool

    public var range: Range<FHIRInstant> { start..<end }

    public init?(parsing text: String) {
        let utf8 = Array(text.utf8)
        var position = 0
        func number(_ digits: Int) -> Int? {
            guard position + digits <= utf8.count else { return nil }
            var value = 0
            for byte in utf8[position..<position + digits] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += digits
            return value
        }
        func consume(_ character: Character) -> Bool {
            guard position < utf8.count, utf8[position] == character.asciiValue else { return false }
            position += 1
            return true
        }
        guard let year = number(4), year >= 1 else { return nil }  // FHIR years run from 0001
        var month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0
        var unit: (months: Int, milliseconds: Int64) = (12, 0)
        var precision = Precision.year
        if consume("-") {
            guard let parsedMonth = number(2), (1...12).contains(parsedMonth) else { return nil }
            month = parsedMonth
            unit = (1, 0)
            precision = .month
            if consume("-") {
                guard let parsedDay = number(2), (1...Self.daysIn(month: month, year: year)).contains(parsedDay) else { return nil }
                day = parsedDay
                unit = (0, 86_400_000)
                precision = .day
                if consume("T") {
                    guard let parsedHour = number(2), parsedHour < 24, consume(":"), let parsedMinute = number(2), parsedMinute < 60 else { return nil }
                    hour = parsedHour
                    minute = parsedMinute
                    unit = (0, 60_000)
                    precision = .minute
                    if consume(":") {
                        // 60 is a leap second, which the FHIR patterns admit.
                        guard let parsedSecond = number(2), parsedSecond <= 60 else { return nil }
                        second = parsedSecond
                        unit = (0, 1000)
                        precision = .second
                        if consume(".") {
                            var fraction = 0, digits = 0
                            while position < utf8.count, let digit = number(1) {
                                if digits < 3 { fraction = fraction * 10 + digit }
                                digits += 1
                            }
                            guard digits > 0 else { return nil }
                            millisecond = fraction * [1, 100, 10, 1][min(digits, 3)]
                            unit = (0, 1)
                            precision = .fraction
                        }
                    }
                }
            }
        }
        var offsetMinutes = 0
        let hasTimeZone = position < utf8.count
        if hasTimeZone {
            guard unit.months == 0, unit.milliseconds < 86_400_000 else { return nil }
            if consume("Z") {
                offsetMinutes = 0
            } else {
                let sign: Int
                if consume("+") { sign = 1 } else if consume("-") { sign = -1 } else { return nil }
                guard let offsetHour = number(2), consume(":"), let offsetMinute = number(2), offsetMinute < 60,
                      offsetHour < 14 || (offsetHour == 14 && offsetMinute == 0) else { return nil }
                offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
            }
        }
        guard position == utf8.count else { return nil }
        let days = Self.daysSince1970(year: year, month: month, day: day)
        let startMilliseconds = Int64(days) * 86_400_000 + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond)
            - Int64(offsetMinutes) * 60_000
        let endMilliseconds: Int64
        if unit.months > 0 {
            let (endYear, endMonth) = month + unit.months > 12 ? (year + 1, month + unit.months - 12) : (year, month + unit.months)
            endMilliseconds = Int64(Self.daysSince1970(year: endYear, month: endMonth, day: 1)) * 86_400_000
        } else {
            endMilliseconds = startMilliseconds + unit.milliseconds
        }
        start = FHIRInstant(millisecondsSince1970: startMilliseconds)
        end = FHIRInstant(millisecondsSince1970: endMilliseconds)
        self.precision = precision
        self.hasTimeZone = hasTimeZone
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days-from-civil).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
