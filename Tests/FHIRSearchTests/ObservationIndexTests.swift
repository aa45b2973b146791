import FHIRCore
import FHIRSearch
import Testing

/// Observation values from the official examples.
@Suite struct ObservationIndexTests {
    @Test func code() throws {
        let values = try TestData.values("code", in: "observation-example.json")
        #expect(values.contains(.token(system: "http://loinc.org", code: "29463-7", display: "Body Weight")))
        #expect(values.contains(.token(system: "http://snomed.info/sct", code: "27113001", display: "Body weight")))
        #expect(values.contains(.text(SearchString("Body weight Measured"))))
        // "Body Weight" is the display of two codings: one `.text` value.
        #expect(values.filter { $0 == .text(SearchString("Body Weight")) }.count == 1)
        #expect(values.filter { if case .token = $0 { true } else { false } }.count == 4)
    }

    @Test func effectiveDateTimeIsItsDay() throws {
        let values = try TestData.values("date", in: "observation-example.json")
        #expect(values == [.date(SearchDateRange(low: try TestData.instant("2016-03-28T00:00:00Z"),
                                                 high: try TestData.instant("2016-03-29T00:00:00Z")))])
    }

    @Test func effectivePeriod() throws {
        let closed = try TestData.values("date", in: "observation-example-f002-excess.json")
        #expect(closed == [.date(SearchDateRange(low: try TestData.instant("2013-04-02T09:30:10Z"),
                                                 high: try TestData.instant("2013-04-05T09:30:11Z")))])
        // A Period without an end is open-ended.
        let open = try TestData.values("date", in: "observation-example-f001-glucose.json")
        #expect(open == [.date(SearchDateRange(low: try TestData.instant("2013-04-02T08:30:10Z"), high: nil))])
    }

    @Test func valueQuantity() throws {
        let values = try TestData.values("value-quantity", in: "observation-example.json")
        let expected = SearchQuantity(
            number: SearchNumber(lexeme: "185", low: try TestData.decimal("184.5"), high: try TestData.decimal("185.5")),
            system: "http://unitsofmeasure.org", code: "[lb_av]", unit: "lbs")
        #expect(values == [.quantity(expected)])
        #expect(expected.number.value?.description == "185")
    }

    @Test func subjectAndPatient() throws {
        #expect(try TestData.values("subject", in: "observation-example.json") == [.reference(.relative(type: "Patient", id: "example", version: nil))])
        #expect(try TestData.values("patient", in: "observation-example.json") == [.reference(.relative(type: "Patient", id: "example", version: nil))])
    }

    @Test func containedReferenceIsTypedByTheContainedResource() throws {
        let values = try TestData.values("subject", in: "observation-example-1minute-apgar-score.json")
        #expect(values == [.reference(.contained(type: "Patient", id: "newborn"))])
    }

    @Test func bloodPressureComponents() throws {
        let values = try TestData.values("component-code-value-quantity", in: "observation-example-bloodpressure.json")
        func pair(_ system: String, _ code: String, _ display: String, value: String, low: String, high: String) throws -> SearchValue {
            .composite([
                .token(system: system, code: code, display: display),
                .quantity(SearchQuantity(number: SearchNumber(lexeme: value, low: try TestData.decimal(low), high: try TestData.decimal(high)),
                                         system: "http://unitsofmeasure.org", code: "mm[Hg]", unit: "mmHg")),
            ])
        }
        #expect(values.contains(try pair("http://loinc.org", "8480-6", "Systolic blood pressure", value: "107", low: "106.5", high: "107.5")))
        #expect(values.contains(try pair("http://loinc.org", "8462-4", "Diastolic blood pressure", value: "60", low: "59.5", high: "60.5")))
        // Systolic has 3 codings, diastolic 1; codes never pair with the other component's value.
        #expect(values.count == 4)
        #expect(!values.contains(try pair("http://loinc.org", "8480-6", "Systolic blood pressure", value: "60", low: "59.5", high: "60.5")))
        let codes = try TestData.values("component-code", in: "observation-example-bloodpressure.json")
        #expect(codes.contains(.token(system: "http://loinc.org", code: "8462-4", display: "Diastolic blood pressure")))
    }

    @Test func identifierAndStatus() throws {
        let identifiers = try TestData.values("identifier", in: "observation-example-f001-glucose.json")
        #expect(identifiers == [.token(system: "http://www.bmc.nl/zorgportal/identifiers/observations", code: "6323", display: nil)])
        #expect(try TestData.values("status", in: "observation-example.json") == [.token(system: nil, code: "final", display: nil)])
    }

    @Test func idAndLastUpdated() throws {
        #expect(try TestData.values("_id", in: "observation-example.json") == [.token(system: nil, code: "example", display: nil)])
        #expect(try TestData.values("_lastUpdated", in: "observation-example.json").isEmpty)
        let lastUpdated = try TestData.values("_lastUpdated", in: "patient-example-mom.json")
        #expect(lastUpdated == [.date(SearchDateRange(low: try TestData.instant("2012-05-29T23:45:32Z"),
                                                      high: try TestData.instant("2012-05-29T23:45:33Z")))])
    }
}
