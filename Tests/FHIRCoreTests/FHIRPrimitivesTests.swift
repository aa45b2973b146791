import Foundation
import Testing
import FHIRCore

@Suite("FHIRId")
struct FHIRIdTests {
    @Test func acceptsLettersDigitsHyphenAndDotUpTo64Characters() {
        #expect(FHIRId.isValid("example"))
        #expect(FHIRId.isValid("a"))
        #expect(FHIRId.isValid("Az09-."))
        #expect(FHIRId.isValid("2.16.840.1.113883.19.5"))
        #expect(FHIRId.isValid(String(repeating: "a", count: 64)))
        #expect(FHIRId.isValid("xx-abc-yy".dropFirst(3).dropLast(3)))  // any StringProtocol
    }

    @Test func rejectsTooLongEmptyAndForeignCharacters() {
        #expect(!FHIRId.isValid(String(repeating: "a", count: 65)))
        #expect(!FHIRId.isValid(""))
        for id in ["a_b", "a b", " a", "a/b", "a:b", "é", "a\n", "😀", "a+b", "a%20b", "中"] {
            #expect(!FHIRId.isValid(id), "\(id.debugDescription)")
        }
    }

    @Test func generatedIdsAreValidLowercaseUUIDs() {
        let first = FHIRId.generate()
        let second = FHIRId.generate()
        #expect(first != second)
        #expect(FHIRId.isValid(first))
        #expect(first.count == 36)
        #expect(first == first.lowercased())
        #expect(UUID(uuidString: first) != nil)
    }
}

@Suite("FHIRInstant")
struct FHIRInstantTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (951_868_800_000, "2000-03-01T00:00:00.000Z"),
        (1_714_550_400_500, "2024-05-01T08:00:00.500Z"),
        (784_111_777_000, "1994-11-06T08:49:37.000Z"),
        (4_107_542_400_000 - 1, "2100-02-28T23:59:59.999Z"),  // 2100 is not a leap year
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-999, "1969-12-31T23:59:59.001Z"),
        (-1000, "1969-12-31T23:59:59.000Z"),
        (-86_400_000, "1969-12-31T00:00:00.000Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
    ] as [(Int64, String)])
    func fhirStringOfKnownInstants(milliseconds: Int64, expected: String) {
        #expect(FHIRInstant(millisecondsSince1970: milliseconds).fhirString == expected)
    }

    @Test(arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777_000, "Sun, 06 Nov 1994 08:49:37 GMT"),  // the RFC 7231 example
        (784_111_777_999, "Sun, 06 Nov 1994 08:49:37 GMT"),  // milliseconds are dropped
        (951_782_400_123, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_714_550_400_500, "Wed, 01 May 2024 08:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (-2_203_891_200_000, "Thu, 01 Mar 1900 00:00:00 GMT"),
    ] as [(Int64, String)])
    func httpDateOfKnownInstants(milliseconds: Int64, expected: String) {
        #expect(FHIRInstant(millisecondsSince1970: milliseconds).httpDate == expected)
    }

    @Test func parsesAnInstantWithFractionAndOffset() throws {
        let instant = try #require(FHIRInstant(parsing: "2024-05-01T10:00:00.5+02:00"))
        #expect(instant.millisecondsSince1970 == 1_714_550_400_500)
        #expect(instant.fhirString == "2024-05-01T08:00:00.500Z")
    }

    @Test(arguments: [
        ("2024-05-01T08:00:00Z", Int64(1_714_550_400_000)),
        ("2024-05-01T03:30:00-04:30", 1_714_550_400_000),
        ("2000-02-29T00:00:00.123Z", 951_782_400_123),
        ("2024-05-01T08:00:00.999Z", 1_714_550_400_999),
        ("2024-05-01T08:00:00.001+00:00", 1_714_550_400_001),
        ("1969-12-31T23:59:59.999Z", -1),
        ("1970-01-01T00:00:00.000Z", 0),
    ] as [(String, Int64)])
    func parsesFHIRInstantsToTheExactMillisecond(text: String, milliseconds: Int64) {
        #expect(FHIRInstant(parsing: text)?.millisecondsSince1970 == milliseconds)
    }

    @Test(arguments: [
        ("2024-05-01T10:00:00.123456Z", Int64(1_714_557_600_123)),  // digits past milliseconds are dropped
        ("2024-05-01T10:00:00.1234567890123Z", 1_714_557_600_123),
        ("2024-05-01T10:00:00.12Z", 1_714_557_600_120),
        ("2024-05-01T10:00:00+14:00", 1_714_507_200_000),
        ("2024-05-01T10:00:00-13:59", 1_714_607_940_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),  // leap year
        ("2024-12-31T23:59:60Z", 1_735_689_600_000),  // leap second, allowed by the FHIR regex
        ("1582-10-14T00:00:00Z", -12_219_379_200_000),  // proleptic Gregorian, as fhirString writes it
        ("0001-01-01T00:00:00Z", -62_135_596_800_000),
    ] as [(String, Int64)])
    func parsesTheWholeFHIRInstantSyntax(text: String, milliseconds: Int64) {
        #expect(FHIRInstant(parsing: text)?.millisecondsSince1970 == milliseconds)
    }

    @Test(arguments: [
        "", "not a date", "2024-05-01", "2024-05-01T10:00:00", "2024-05-01T10:00Z", "2024-13-01T10:00:00Z",
        "2024-05-01 10:00:00Z", "2024-02-30T10:00:00Z", "2023-02-29T10:00:00Z", "1900-02-29T10:00:00Z",
        "2024-04-31T10:00:00Z", "2024-05-00T10:00:00Z", "0000-01-01T00:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T10:60:00Z", "2024-05-01T10:00:61Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00z",
        "2024-05-01T10:00:00+14:01", "2024-05-01T10:00:00+15:00", "2024-05-01T10:00:00+0200", "2024-05-01T10:00:00+02",
        "2024-05-01T10:00:00Z ", " 2024-05-01T10:00:00Z", "24-05-01T10:00:00Z", "2024-5-01T10:00:00Z", "+2024-05-01T10:00:00Z",
    ])
    func rejectsTextThatIsNotAnInstant(text: String) {
        #expect(FHIRInstant(parsing: text) == nil)
    }

    @Test func parsesHTTPDates() throws {
        #expect(FHIRInstant(httpDate: "Thu, 01 Jan 1970 00:00:00 GMT")?.millisecondsSince1970 == 0)
        #expect(FHIRInstant(httpDate: "Sun, 06 Nov 1994 08:49:37 GMT")?.millisecondsSince1970 == 784_111_777_000)
        #expect(FHIRInstant(httpDate: "Wed, 01 May 2024 08:00:00 GMT")?.millisecondsSince1970 == 1_714_550_400_000)
        #expect(FHIRInstant(httpDate: "yesterday") == nil)
        #expect(FHIRInstant(httpDate: "2024-05-01T08:00:00Z") == nil)
    }

    @Test(arguments: [Int64(0), 1, 999, 951_782_400_123, 1_714_550_400_999, 1_732_287_745_678, -1, -999, -62_135_596_800_000,
                      253_402_300_799_999])
    func fhirStringRoundTripsThroughParsing(milliseconds: Int64) throws {
        let instant = FHIRInstant(millisecondsSince1970: milliseconds)
        let parsed = try #require(FHIRInstant(parsing: instant.fhirString), "\(instant.fhirString)")
        #expect(parsed == instant, "\(instant.fhirString) → \(parsed.millisecondsSince1970)")
    }

    @Test(arguments: [Int64(0), 784_111_777_999, 1_714_550_400_500, -1])
    func httpDateRoundTripsToTheSecond(milliseconds: Int64) throws {
        let instant = FHIRInstant(millisecondsSince1970: milliseconds)
        let parsed = try #require(FHIRInstant(httpDate: instant.httpDate))
        let wholeSeconds = milliseconds - ((milliseconds % 1000) + 1000) % 1000
        #expect(parsed.millisecondsSince1970 == wholeSeconds)
    }

    @Test(arguments: [Int64(0), 1, 123, 999, 951_782_400_123, 1_714_550_400_999, 1_732_287_745_678, -1, -999, -1001])
    func dateRoundTripsToTheSameMillisecond(milliseconds: Int64) {
        let instant = FHIRInstant(millisecondsSince1970: milliseconds)
        #expect(FHIRInstant(date: instant.date) == instant)
        #expect(abs(instant.date.timeIntervalSince1970 - Double(milliseconds) / 1000) < 0.000_001)
    }

    @Test(arguments: [Int64(1_714_550_400_000), 951_782_400_000, 0, -2_203_891_200_000, 253_402_300_790_000])
    func dateRoundTripsEveryMillisecondOfATenSecondRange(start: Int64) {
        // A Date holds a Double, so a whole millisecond may come back a hair below it; it must not be
        // floored to the millisecond before. The Dates are built as Foundation and database drivers
        // build them: from 1970, from 2001 (Date's own epoch) and as PostgreSQL's microseconds since 2000.
        let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
        var mismatches: [String] = []
        for milliseconds in start..<start + 10_000 {
            let instant = FHIRInstant(millisecondsSince1970: milliseconds)
            let dates = [
                instant.date,
                Date(timeIntervalSinceReferenceDate: Double(milliseconds - 978_307_200_000) / 1000),
                Date(timeInterval: Double((milliseconds - 946_684_800_000) * 1000) / 1_000_000, since: postgresEpoch),
            ]
            for (way, date) in dates.enumerated() where FHIRInstant(date: date) != instant {
                mismatches.append("\(milliseconds) (way \(way)) → \(FHIRInstant(date: date).millisecondsSince1970)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(3))")
    }

    @Test func dateTruncatesSubMillisecondPrecisionTowardsThePast() {
        #expect(FHIRInstant(date: Date(timeIntervalSince1970: 1.2345)).millisecondsSince1970 == 1234)
        #expect(FHIRInstant(date: Date(timeIntervalSince1970: -0.0005)).millisecondsSince1970 == -1)
    }

    @Test func ordersByTime() {
        let early = FHIRInstant(millisecondsSince1970: -5)
        let late = FHIRInstant(millisecondsSince1970: 7)
        #expect(early < late)
        #expect(!(late < early))
        #expect([late, early].sorted() == [early, late])
        #expect(Set([early, late, FHIRInstant(millisecondsSince1970: 7)]).count == 2)
    }

    @Test func nowIsTheCurrentTime() {
        let before = Date()
        let now = FHIRInstant.now()
        let after = Date()
        #expect(now.millisecondsSince1970 >= Int64((before.timeIntervalSince1970 * 1000).rounded(.down)) - 1)
        #expect(now.millisecondsSince1970 <= Int64((after.timeIntervalSince1970 * 1000).rounded(.up)))
    }
}
