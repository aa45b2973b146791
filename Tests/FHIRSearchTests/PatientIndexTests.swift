import FHIRCore
import FHIRSearch
import Testing

/// Patient values from `patient-example.json`.
@Suite struct PatientIndexTests {
    let file = "patient-example.json"

    @Test func names() throws {
        #expect(try TestData.values("family", in: file) == [.string(SearchString("Chalmers")), .string(SearchString("Windsor"))])
        #expect(SearchString("Chalmers").normalized == "chalmers")
        let given = try TestData.values("given", in: file)
        #expect(given == ["Peter", "James", "Jim"].map { .string(SearchString($0)) })
        // `name` reads every part of every HumanName.
        let name = try TestData.values("name", in: file)
        #expect(name.contains(.string(SearchString("Windsor"))) && name.contains(.string(SearchString("Jim"))))
    }

    @Test func birthDateIsTheWholeDay() throws {
        #expect(try TestData.values("birthdate", in: file) == [.date(SearchDateRange(
            low: try TestData.instant("1974-12-25T00:00:00Z"), high: try TestData.instant("1974-12-26T00:00:00Z")))])
    }

    @Test func identifier() throws {
        let values = try TestData.values("identifier", in: file)
        #expect(values == [
            .token(system: "urn:oid:1.2.36.146.595.217.0.1", code: "12345", display: nil),
            .identifierOfType(typeSystem: "http://terminology.hl7.org/CodeSystem/v2-0203", typeCode: "MR", value: "12345"),
        ])
    }

    @Test func tokens() throws {
        #expect(try TestData.values("gender", in: file) == [.token(system: nil, code: "male", display: nil)])
        #expect(try TestData.values("active", in: file) == [.token(system: nil, code: "true", display: nil)])
        #expect(try TestData.values("deceased", in: file) == [.token(system: nil, code: "false", display: nil)])
        let phones = ["(03) 5555 6473", "(03) 3410 5613", "(03) 5555 8834"].map { SearchValue.token(system: nil, code: $0, display: nil) }
        #expect(try TestData.values("phone", in: file) == phones)
        #expect(try TestData.values("telecom", in: file) == phones)
    }

    @Test func address() throws {
        #expect(try TestData.values("address-city", in: file) == [.string(SearchString("PleasantVille"))])
        #expect(try TestData.values("address-postalcode", in: file) == [.string(SearchString("3999"))])
        let address = try TestData.values("address", in: file)
        #expect(address.count == 6)  // line, city, district, state, postalCode, text
        #expect(address.contains(.string(SearchString("534 Erewhon St"))))
    }

    @Test func organization() throws {
        #expect(try TestData.values("organization", in: file) == [.reference(.relative(type: "Organization", id: "1", version: nil))])
    }
}
