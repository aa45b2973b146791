import Testing
import FHIRCore
import JMESPath

/// MedTech custom functions (SPEC §1.8; cases from iomt-fhir's `Microsoft.Health.Expressions` tests
/// and `docs/CustomFunctions.md`).
@Suite("MedTech functions")
struct MedTechFunctionTests {
    private func evaluate(_ expression: String, _ document: String = "{}") throws -> JSONValue {
        try JMESPathExpression(expression, functions: .medTech).search(json(document))
    }

    private func binary(_ function: String, _ left: String, _ right: String) throws -> JSONValue {
        try evaluate("\(function)(left, right)", #"{"left":\#(left),"right":\#(right)}"#)
    }

    private func errorKind(_ expression: String, _ document: String = "{}") -> JMESPathError.Kind? {
        do {
            _ = try evaluate(expression, document)
            return nil
        } catch let error as JMESPathError {
            return error.kind
        } catch {
            return nil
        }
    }

    @Test func setHasEightExtraFunctions() {
        let extra = Set(JMESPathFunctionSet.medTech.names).subtracting(JMESPathFunctionSet.standard.names)
        let expected: Set = ["add", "subtract", "multiply", "divide", "pow", "insertString", "fromUnixTimestamp", "fromUnixTimestampMs"]
        #expect(extra == expected)
        #expect(throws: JMESPathError.self) { try JMESPathExpression("add(`1`, `2`)") }  // not in .standard
    }

    @Test func addIntegersStayIntegersAndWrap() throws {
        #expect(try evaluate("add(`10`, `10`)") == .number("20"))
        #expect(try binary("add", "-1", "100") == .number("99"))
        #expect(try binary("add", "0", "9223372036854775807") == .number("9223372036854775807"))
        #expect(try binary("add", "0", "-9223372036854775808") == .number("-9223372036854775808"))
        #expect(try binary("add", "9223372036854775807", "1") == .number("-9223372036854775808"))  // wraps, as .NET
    }

    @Test func addWithAFloatIsAFloat() throws {
        #expect(try binary("add", "0.0", "0.0") == .number("0.0"))
        #expect(try binary("add", "-1", "10.5") == .number("9.5"))
        #expect(try binary("add", "-1", "100.0") == .number("99.0"))
        #expect(try binary("add", "0", "1.7976931348623157e308") == .number("1.7976931348623157e+308"))
        #expect(try binary("add", "78", "1e0") == .number("79.0"))
    }

    @Test func subtractAndMultiply() throws {
        #expect(try evaluate("subtract(`10`, `10`)") == .number("0"))
        #expect(try binary("subtract", "40", "50") == .number("-10"))
        #expect(try binary("subtract", "0", "50") == .number("-50"))
        #expect(try evaluate("multiply(`10`, `10`)") == .number("100"))
        #expect(try binary("multiply", "40", "50") == .number("2000"))
        #expect(try binary("multiply", "78", "0.0254") == .number("1.9811999999999999"))  // .NET shortest round-trip
    }

    @Test func divideKeepsExactIntegerQuotientsAndOtherwiseGivesAFloat() throws {
        #expect(try evaluate("divide(`10`, `10`)") == .number("1"))
        #expect(try binary("divide", "100", "25") == .number("4"))
        #expect(try binary("divide", "100", "-1") == .number("-100"))
        #expect(try binary("divide", "0", "50") == .number("0"))
        #expect(try binary("divide", "40", "50") == .number("0.8"))  // MedTech docs; OSS int path gives 0
        #expect(try binary("divide", "100", "25.0") == .number("4.0"))
        #expect(try binary("divide", "1.5", "0.5") == .number("3.0"))
    }

    @Test func divideErrors() {
        #expect(errorKind("divide(left, right)", #"{"left":50,"right":0}"#) == .invalidValue)
        #expect(errorKind("divide(`1.0`, `0`)") == .invalidValue)  // infinity is not JSON
        #expect(errorKind("divide(`-9223372036854775808`, `-1`)") == .invalidValue)
    }

    @Test func powFollowsIntegerAndFloatRules() throws {
        #expect(try binary("pow", "0", "0") == .number("1"))
        #expect(try binary("pow", "1", "0") == .number("1"))
        #expect(try binary("pow", "10", "2") == .number("100"))
        #expect(try evaluate("pow(`10`, `10`)") == .number("10000000000"))
        #expect(try binary("pow", "0", "50") == .number("0"))
        #expect(try binary("pow", "100", "0.5") == .number("10.0"))
        #expect(try binary("pow", "100", "-2.0") == .number("0.0001"))
        #expect(try binary("pow", "100", "-2") == .number("0"))  // integer path: 0.0001 rounds to 0
        #expect(try binary("pow", "-2", "3") == .number("-8"))
        #expect(try binary("pow", "-1", "9999999999") == .number("-1"))
        let power = try binary("pow", "10", "2.5")
        #expect(abs((Double(power.numberLexeme ?? "") ?? 0) - 316.2278) < 0.0001)
    }

    @Test func powOverflowsAreErrors() {
        #expect(errorKind("pow(left, right)", #"{"left":40,"right":50}"#) == .invalidValue)
        #expect(errorKind("pow(`2`, `63`)") == .invalidValue)
        #expect(errorKind("pow(`0`, `-1`)") == .invalidValue)
        #expect(errorKind("pow(`-1.0`, `0.5`)") == .invalidValue)  // NaN
    }

    @Test func insertString() throws {
        #expect(try evaluate("insertString('mple', 'sa', `0`)") == "sample")
        let document = #"{"original":"myString","toInsert":"!!"}"#
        #expect(try evaluate("insertString(original, toInsert, `8`)", document) == "myString!!")
        #expect(try evaluate("insertString(original, toInsert, length(original))", document) == "myString!!")
        #expect(try evaluate("insertString('suess', 'cc', `2`)") == "success")
        #expect(try evaluate("insertString('ppy', 'ha', `0`)") == "happy")
        #expect(try evaluate("insertString('123', 'patient', `0`)") == "patient123")
        #expect(try evaluate("insertString('né', '!', `2`)") == "né!")  // positions count Unicode scalars
    }

    @Test func insertStringErrors() {
        #expect(errorKind("insertString('myString', '!!', `9`)") == .invalidValue)
        #expect(errorKind("insertString('myString', '!!', `100`)") == .invalidValue)
        #expect(errorKind("insertString('ppy', 'ha', `-1`)") == .invalidValue)
        #expect(errorKind("insertString('ppy', 'ha', `1.5`)") == .invalidType)
        #expect(errorKind("insertString('ppy', 'ha', `1.0`)") == .invalidType)  // a float token, as in Json.NET
        #expect(errorKind("insertString(`1`, 'ha', `0`)") == .invalidType)
        #expect(errorKind("insertString('ppy', `1`, `0`)") == .invalidType)
        #expect(errorKind("insertString('ppy', 'ha', '0')") == .invalidType)
    }

    @Test func fromUnixTimestamp() throws {
        #expect(try evaluate("fromUnixTimestamp(`0`)") == "1970-01-01T00:00:00Z")
        #expect(try evaluate("fromUnixTimestamp(unix)", #"{"unix":1625677200}"#) == "2021-07-07T17:00:00Z")
        #expect(try evaluate("fromUnixTimestamp(`-1`)") == "1969-12-31T23:59:59Z")
        #expect(errorKind("fromUnixTimestamp(`1.5`)") == .invalidType)
        #expect(errorKind("fromUnixTimestamp('0')") == .invalidType)
        #expect(errorKind("fromUnixTimestamp(`253402300800`)") == .invalidValue)  // after 9999-12-31
        #expect(errorKind("fromUnixTimestamp(`99999999999999999999`)") == .invalidValue)
    }

    @Test func fromUnixTimestampMs() throws {
        #expect(try evaluate("fromUnixTimestampMs(`0`)") == "1970-01-01T00:00:00Z")
        #expect(try evaluate("fromUnixTimestampMs(`1000`)") == "1970-01-01T00:00:01Z")
        #expect(try evaluate("fromUnixTimestampMs(`1626799080000`)") == "2021-07-20T16:38:00Z")
        #expect(try evaluate("fromUnixTimestampMs(`1626799080123`)") == "2021-07-20T16:38:00.123Z")
        #expect(try evaluate("fromUnixTimestampMs(`-1000`)") == "1969-12-31T23:59:59Z")
        #expect(errorKind("fromUnixTimestampMs(`1e3`)") == .invalidType)
    }

    @Test func argumentTypesAndAritiesAreChecked() {
        for name in ["add", "subtract", "multiply", "divide", "pow"] {
            #expect(errorKind("\(name)('1', `2`)") == .invalidType, "\(name)")
            #expect(errorKind("\(name)(`1`, `null`)") == .invalidType, "\(name)")
            #expect(errorKind("\(name)()") == .invalidArity, "\(name)")
            #expect(errorKind("\(name)(`1`)") == .invalidArity, "\(name)")
            #expect(errorKind("\(name)(`1`, `2`, `3`)") == .invalidArity, "\(name)")
        }
        #expect(errorKind("insertString('a', 'b')") == .invalidArity)
        #expect(errorKind("insertString('a', 'b', `0`, `1`)") == .invalidArity)
        #expect(errorKind("fromUnixTimestamp()") == .invalidArity)
        #expect(errorKind("fromUnixTimestampMs(`1`, `2`)") == .invalidArity)
        #expect(errorKind("add(`99999999999999999999`, `1`)") == .invalidValue)  // beyond Int64
    }

    @Test func arityIsCheckedWhenCompiling() {
        #expect(throws: JMESPathError.self) { try JMESPathExpression("add(left)", functions: .medTech) }
    }

    @Test func resultsFeedOtherFunctions() throws {
        // A float result stays a float: 10.0 / 4 is 2.5, not the integer quotient.
        #expect(try evaluate("divide(pow(`100`, `0.5`), `4`)") == .number("2.5"))
        #expect(try evaluate("multiply(Body.height, `0.0254`)", #"{"Body":{"height":78}}"#) == .number("1.9811999999999999"))
        #expect(try evaluate("to_string(add(`1`, `2`))") == "3")
    }
}
