import FHIRSearch
import Testing
@testable import VestaServer

/// Query strings and form bodies decode as browsers and FHIR clients encode them.
@Suite struct RequestParsingTests {
    private func pairs(_ text: String) -> [String] {
        QueryString.pairs(text).map { "\($0.name)=\($0.value)" }
    }

    @Test func decodesPlusPercentAndEmptyParts() {
        #expect(pairs("a=1&b=x+y") == ["a=1", "b=x y"])
        #expect(pairs("family=M%C3%BCller&name%3Aexact=a%26b") == ["family=Müller", "name:exact=a&b"])
        #expect(pairs("flag&a=&&b=2") == ["flag=", "a=", "b=2"])
        #expect(pairs("code=http://loinc.org%7C8867-4&value=5%2B3") == ["code=http://loinc.org|8867-4", "value=5+3"])
    }

    @Test func malformedEscapesStayAsWritten() {
        #expect(pairs("x=%zz&y=100%&z=%4") == ["x=%zz", "y=100%", "z=%4"])
        #expect(pairs("bad=%FF") == ["bad=\u{FFFD}"])
    }
}
