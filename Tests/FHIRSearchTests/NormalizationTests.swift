import FHIRSearch
import Testing

@Suite struct NormalizationTests {
    @Test(arguments: [
        ("Müller", "muller"), ("ÉLODIE", "elodie"), ("Chalmers", "chalmers"), ("São Paulo", "sao paulo"),
        ("Ångström", "angstrom"), ("  Mixed Case  ", "  mixed case  "), ("北京", "北京"),
    ])
    func strings(text: String, normalized: String) {
        #expect(SearchValueNormalizer.normalizeString(text) == normalized)
    }

    @Test(arguments: [
        ("5.4", "5.35", "5.45"), ("100", "99.5", "100.5"), ("100.00", "99.995", "100.005"),
        ("1e2", "50", "150"), ("1.0E+2", "95", "105"), ("0", "-0.5", "0.5"), ("-5.4", "-5.45", "-5.35"),
        ("0.001", "0.0005", "0.0015"), ("9.99", "9.985", "9.995"), ("99", "98.5", "99.5"), ("2.5e-3", "0.00245", "0.00255"),
    ])
    func numberRanges(lexeme: String, low: String, high: String) throws {
        let number = try #require(SearchValueNormalizer.number(lexeme))
        #expect(number.lexeme == lexeme)
        #expect(number.low?.description == low)
        #expect(number.high?.description == high)
    }

    @Test func decimals() throws {
        #expect(try TestData.decimal("185.0") == TestData.decimal("1.85e2"))
        #expect(try TestData.decimal("185.0").description == "185")
        #expect(try TestData.decimal("-0.0").description == "0")
        #expect(try TestData.decimal("0.000120").description == "0.00012")
        #expect(try TestData.decimal("-2") < TestData.decimal("-1.5"))
        #expect(try TestData.decimal("1.05") < TestData.decimal("1.5"))
        #expect(try TestData.decimal("184.5").doubleValue == 184.5)
        for invalid in ["", "-", ".5", "5.", "1e", "1e+", "0x10", "1,5", "1e2000", "NaN"] {
            #expect(SearchDecimal(invalid) == nil, "\(invalid)")
        }
    }

    @Test func dates() {
        let day = SearchValueNormalizer.dateRange("1974-12-25")
        #expect(day?.low?.fhirString == "1974-12-25T00:00:00.000Z")
        #expect(day?.high?.fhirString == "1974-12-26T00:00:00.000Z")
        #expect(SearchValueNormalizer.dateRange("2020-13") == nil)
    }
}
