import FHIRCore
import Testing

@Suite struct FHIRDateRangeTests {
    private func range(_ text: String) throws -> (start: String, end: String, precision: FHIRDateRange.Precision) {
        let range = try #require(FHIRDateRange(parsing: text), "\(text) should parse")
        return (range.start.fhirString, range.end.fhirString, range.precision)
    }

    @Test func eachPrecisionSpansOneUnit() throws {
        #expect(try range("2020") == ("2020-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z", .year))
        #expect(try range("2020-02") == ("2020-02-01T00:00:00.000Z", "2020-03-01T00:00:00.000Z", .month))
        #expect(try range("2020-12") == ("2020-12-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z", .month))
        #expect(try range("2020-02-29") == ("2020-02-29T00:00:00.000Z", "2020-03-01T00:00:00.000Z", .day))
        #expect(try range("2020-03-01T10:15Z") == ("2020-03-01T10:15:00.000Z", "2020-03-01T10:16:00.000Z", .minute))
        #expect(try range("2020-03-01T10:15:30Z") == ("2020-03-01T10:15:30.000Z", "2020-03-01T10:15:31.000Z", .second))
        #expect(try range("2020-03-01T10:15:30.5Z") == ("2020-03-01T10:15:30.500Z", "2020-03-01T10:15:30.501Z", .fraction))
    }

    @Test func offsetsShiftToUTCAndAreRecorded() throws {
        #expect(try range("2020-03-01T00:30:00+01:00").start == "2020-02-29T23:30:00.000Z")
        #expect(try range("2020-03-01T00:30:00-05:30").start == "2020-03-01T06:00:00.000Z")
        #expect(FHIRDateRange(parsing: "2020-03-01T00:30:00Z")?.hasTimeZone == true)
        #expect(FHIRDateRange(parsing: "2020-03-01T00:30:00")?.hasTimeZone == false)
    }

    @Test(arguments: ["", "20", "2020-13", "2020-02-30", "2021-02-29", "0000", "2020-01-01T24:00Z", "2020-01-01T10:60Z",
                      "2020-01-01T10:00:00.Z", "2020-01-01T10:00+15:00", "2020-01Z", "2020-01-01 10:00", "2020-01-01T10:00:00Zjunk"])
    func rejectsWhatIsNotAFHIRDate(text: String) {
        #expect(FHIRDateRange(parsing: text) == nil)
    }

    @Test func leapSecondIsAccepted() throws {
        #expect(try range("2016-12-31T23:59:60Z").start == "2017-01-01T00:00:00.000Z")
    }
}
