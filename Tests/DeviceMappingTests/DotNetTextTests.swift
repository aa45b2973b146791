@testable import DeviceMapping
import Testing

@Suite struct DotNetTextTests {
    @Test(arguments: [
        ("75", "75"), ("-0", "0"), ("12345678901234567890", "12345678901234567890"),
        ("72.0", "72"), ("1.50", "1.5"), ("-0.0", "-0"), ("0.0001", "0.0001"), ("0.00001", "1E-05"),
        ("1e2", "100"), ("123456789012345.0", "123456789012345"), ("1e15", "1E+15"),
        ("1234567890123456.7", "1.2345678901234568E+15"), ("1.7976931348623157e308", "1.7976931348623157E+308"),
        ("0.1", "0.1"), ("3.14159", "3.14159"), ("2.5e-7", "2.5E-07"), ("1e400", "1e400"),
    ])
    func numbers(lexeme: String, expected: String) {
        #expect(DotNetText.number(lexeme) == expected)
    }

    @Test func shortestRoundTripOfComputedDoubles() {
        #expect(DotNetText.double(78 * 0.0254) == "1.9811999999999999")
        #expect(DotNetText.double(0.1 + 0.2) == "0.30000000000000004")
    }

    @Test func otherKinds() {
        #expect(DotNetText.render(.bool(true)) == "True")
        #expect(DotNetText.render(.bool(false)) == "False")
        #expect(DotNetText.render(.string(" x ")) == " x ")
        #expect(DotNetText.render(.null) == nil)
        #expect(DotNetText.render(.array([])) == nil)
    }
}
