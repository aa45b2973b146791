import Testing
import FHIRCore

@Suite("JSONWriter")
struct JSONWriterTests {
    @Test func escapesQuotesBackslashesAndNewlines() {
        #expect(JSONWriter.string(.string("say \"hi\"")) == #""say \"hi\"""#)
        #expect(JSONWriter.string(.string(#"C:\path\"#)) == #""C:\\path\\""#)
        #expect(JSONWriter.string(.string("a\nb\rc\td")) == #""a\nb\rc\td""#)
    }

    @Test func escapesOtherControlCharactersAsLowercaseUnicodeEscapes() {
        #expect(JSONWriter.string(.string("\u{01}")) == #""\u0001""#)
        #expect(JSONWriter.string(.string("\u{00}x\u{08}\u{0C}\u{1B}\u{1F}")) == #""\u0000x\u0008\u000c\u001b\u001f""#)
    }

    @Test func everyControlCharacterIsEscapedAndReadsBack() throws {
        let all = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let written = JSONWriter.bytes(.string(all))
        #expect(!written.contains { $0 < 0x20 })
        #expect(try JSONReader.parse(written).stringValue?.scalarValues == Array(0..<0x20))
    }

    @Test func doesNotEscapeSolidusDeleteOrNonASCII() {
        let text = "a/b\u{7F}é中😀\u{202F}\u{2028}"
        let written = JSONWriter.bytes(.string(text))
        #expect(written == [0x22] + Array(text.utf8) + [0x22])
    }

    @Test func escapesKeysLikeValues() {
        let object = JSONObject(uniqueMembers: [(key: "a\"b\n", value: .string("é"))])
        #expect(JSONWriter.string(.object(object)) == #"{"a\"b\n":"é"}"#)
    }

    @Test func writesScalarsAndNumbersVerbatim() {
        #expect(JSONWriter.string(.null) == "null")
        #expect(JSONWriter.string(true) == "true")
        #expect(JSONWriter.string(false) == "false")
        #expect(JSONWriter.string(.number("-1.000000000000000000E+245")) == "-1.000000000000000000E+245")
        #expect(JSONWriter.string(.number("0.0000001")) == "0.0000001")
        #expect(JSONWriter.string(42) == "42")
    }

    @Test func compactOutputHasNoWhitespaceAndKeepsMemberOrder() {
        var object = JSONObject()
        object["b"] = 1
        object["a"] = [true, false, nil, "x"]
        object["c"] = .object(JSONObject())
        object["d"] = []
        #expect(JSONWriter.string(.object(object)) == #"{"b":1,"a":[true,false,null,"x"],"c":{},"d":[]}"#)
    }

    @Test func prettyOutputIsIndentedTwoSpaces() {
        var object = JSONObject()
        object["b"] = 1
        object["a"] = [true, ["k": "v"]]
        object["e"] = []
        object["o"] = .object(JSONObject())
        let expected = """
            {
              "b": 1,
              "a": [
                true,
                {
                  "k": "v"
                }
              ],
              "e": [],
              "o": {}
            }
            """
        #expect(JSONWriter.string(.object(object), style: .pretty) == expected)
    }

    @Test func prettyOutputParsesBackEqualWithTheSameOrder() throws {
        let text = #"{"z":[1.50,{"y":"é\n","b":null}],"a":{"q":[],"p":{}},"m":-0.0}"#
        let value = try json(text)
        let pretty = JSONWriter.string(value, style: .pretty)
        #expect(pretty.contains("\n  \"a\": {"))
        let reparsed = try JSONReader.parse(pretty)
        #expect(reparsed == value)
        #expect(JSONWriter.string(reparsed) == text)  // order and lexemes survive the pretty form
    }

    @Test func bytesAndStringAgree() {
        let value: JSONValue = ["name": "Bénédicte", "n": [1, 2]]
        for style in [JSONWriter.Style.compact, .pretty] {
            #expect(Array(JSONWriter.string(value, style: style).utf8) == JSONWriter.bytes(value, style: style))
        }
    }

    @Test func stringRoundTripsThroughTheReader() throws {
        let samples = ["", "plain", "\"\\/\u{08}\u{0C}\n\r\t", "\u{0}\u{1}\u{1F}", "é中😀\u{202F}", "e\u{301}", "\u{10FFFF}"]
        for sample in samples {
            let parsed = try JSONReader.parse(JSONWriter.bytes(.string(sample)))
            #expect(parsed.stringValue?.scalarValues == sample.scalarValues, "\(sample.debugDescription)")
        }
    }
}
