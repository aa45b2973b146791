import DeviceMapping
import FHIRMapping
import Testing

@Suite struct GroupingTests {
    @Test func groupsByExactKeyAndKeepsLatestIngestion() throws {
        let batch = [
            try Fixtures.measurement(at: "2019-01-01T00:10:00Z", [("hr", "60")], ingested: "2019-01-01T00:10:05Z"),
            try Fixtures.measurement(at: "2019-01-01T00:10:00Z", [("hr", "61")], ingested: "2019-01-01T00:10:09Z"),
            try Fixtures.measurement(at: "2019-01-01T00:10:00Z", [("hr", "59")], ingested: "2019-01-01T00:10:01Z"),
            try Fixtures.measurement(at: "2019-01-01T00:05:00Z", [("hr", "58")]),
            try Fixtures.measurement(at: "2019-01-01T00:05:00Z", [("hr", "57")], device: "device-2"),
            try Fixtures.measurement("HeartRate", at: "2019-01-01T00:05:00Z"),
        ]
        let groups = MeasurementGroup.groups(batch)
        #expect(groups.map { "\($0.deviceId)/\($0.type)" } == ["device-1/heartrate", "device-2/heartrate", "device-1/HeartRate"])
        #expect(groups.first?.measurements.map { $0.properties.first?.value } == ["58", "61"])
    }

    @Test func sameIngestionTieKeepsTheLaterMessage() throws {
        let batch = [try Fixtures.measurement(at: "2019-01-01T00:10:00Z", [("hr", "1")]),
                     try Fixtures.measurement(at: "2019-01-01T00:10:00Z", [("hr", "2")])]
        #expect(MeasurementGroup.groups(batch).first?.measurements.first?.properties.first?.value == "2")
    }

    private func split(_ times: [String], _ interval: PeriodInterval, correlation: String? = "session-7") throws -> [ObservationGroup] {
        let batch = try times.map { try Fixtures.measurement(at: $0, correlation: correlation) }
        return try #require(try MeasurementGroup.groups(batch).first.map { group throws(ObservationError) in
            try ObservationGroup.split(group, by: interval)
        })
    }

    @Test func singleGivesOneGroupPerTimeWithSecondPrecisionSegment() throws {
        let groups = try split(["2019-01-01T00:00:00.250Z", "2019-01-01T00:00:00.750Z", "2019-01-01T00:30:00Z"], .single)
        #expect(groups.map(\.segment) == ["20190101000000Z.20190101000000Z", "20190101000000Z.20190101000000Z", "20190101003000Z.20190101003000Z"])
        #expect(groups.first.map { [$0.window.startText, $0.window.endText] } == ["2019-01-01T00:00:00.2500000Z", "2019-01-01T00:00:00.2500000Z"])
    }

    @Test func hourlyUsesUTCHoursEndingOneTickEarly() throws {
        let groups = try split(["2019-02-01T22:10:00Z", "2019-02-01T22:59:59.999Z", "2019-02-01T23:00:00+01:00"], .hourly)
        #expect(groups.count == 1)
        #expect(groups.first?.segment == "20190201220000Z.20190201225959Z")
        #expect(groups.first.map { [$0.window.startText, $0.window.endText] } == ["2019-02-01T22:00:00.0000000Z", "2019-02-01T22:59:59.9999999Z"])
        #expect(groups.first?.values["hr"]?.count == 3)
        #expect(try split(["2019-01-01T00:30:00Z"], .hourly).first?.segment == "20190101000000Z.20190101005959Z")
    }

    @Test func dailyUsesUTCMidnight() throws {
        let groups = try split(["2019-01-01T23:30:00-01:00", "2019-01-01T08:00:00Z"], .daily)
        #expect(groups.map(\.segment) == ["20190101000000Z.20190101235959Z", "20190102000000Z.20190102235959Z"])
        #expect(groups.last?.window.endText == "2019-01-02T23:59:59.9999999Z")
    }

    @Test func correlationIdSpansTheSessionAndNeedsAnId() throws {
        let groups = try split(["2019-01-01T10:00:00Z", "2019-01-02T11:00:00Z", "2019-01-01T09:00:00Z"], .correlationId)
        #expect(groups.map(\.segment) == ["session-7"])
        #expect(groups.first.map { [$0.window.startText, $0.window.endText] } == ["2019-01-01T09:00:00.0000000Z", "2019-01-02T11:00:00.0000000Z"])
        #expect(throws: ObservationError.correlationIdNotDefined(type: "heartrate")) {
            try split(["2019-01-01T10:00:00Z"], .correlationId, correlation: " ")
        }
    }
}
