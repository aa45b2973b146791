import Testing
import FHIRCore

@Suite("JSONReader: accepted input")
struct JSONReaderValueTests {
    @Test func readsEveryValueKind() throws {
        let value = try json(#"{"n":null,"t":true,"f":false,"i":42,"d":-1.5,"s":"text","a":[1,"x",null],"o":{"k":"v"},"e":{},"ea":[]}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["n", "t", "f", "i", "d", "s", "a", "o", "e", "ea"])
        #expect(object["n"] == .null)
        #expect(object["t"] == .bool(true))
        #expect(object["f"] == .bool(false))
        #expect(object["i"] == .number("42"))
        #expect(object["d"] == .number("-1.5"))
        #expect(object["s"] == .string("text"))
        #expect(object["a"] == .array([.number("1"), .string("x"), .null]))
        #expect(object["o"] == .object(["k": .string("v")]))
        #expect(object["e"] == .object(JSONObject()))
        #expect(object["ea"] == .array([]))
        #expect(value["o"]?["k"]?.stringValue == "v")
        #expect(value["missing"] == nil)
    }

    @Test func accessorsAndKindNames() throws {
        let value = try json(#"[null,true,7,"s",[],{}]"#)
        let elements = try #require(value.arrayValue)
        #expect(elements.map(\.kindName) == ["null", "boolean", "number", "string", "array", "object"])
        #expect(elements[1].boolValue == true)
        #expect(elements[2].numberLexeme == "7")
        #expect(elements[3].stringValue == "s")
        #expect(elements[4].arrayValue == [])
        #expect(elements[5].objectValue?.isEmpty == true)
        // Accessors of the wrong kind answer nil.
        #expect(elements[0].objectValue == nil)
        #expect(elements[2].stringValue == nil)
        #expect(elements[3].numberLexeme == nil)
        #expect(elements[3].boolValue == nil)
        #expect(elements[5].arrayValue == nil)
        #expect(elements[4]["key"] == nil)
    }

    @Test(arguments: ["null", "true", "false", "0", "\"\"", "\"x\"", "[]", "{}"])
    func acceptsAnyValueAtTopLevel(text: String) throws {
        let value = try JSONReader.parse(text)
        #expect(JSONWriter.string(value) == text)
    }

    @Test func skipsAllFourWhitespaceCharacters() throws {
        let value = try json(" \t\r\n{ \"a\" \t:\r\n[ 1 ,\t2 ] ,\n\"b\" : true }\n\t\r ")
        #expect(value == ["a": [1, 2], "b": true])
    }

    @Test func keepsMemberOrderOfTheDocument() throws {
        let value = try json(#"{"z":1,"a":2,"m":{"y":1,"b":2}}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.keys == ["y", "b"])
        #expect(JSONWriter.string(value) == #"{"z":1,"a":2,"m":{"y":1,"b":2}}"#)
    }

    @Test func skipsALeadingByteOrderMark() throws {
        let value = try JSONReader.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8))
        #expect(value == ["a": 1])
    }

    @Test func parsesTextBytesAndBufferAlike() throws {
        let text = #"{"a":[1.50,"é"]}"#
        let fromText = try JSONReader.parse(text)
        let bytes = Array(text.utf8)
        let fromBytes = try JSONReader.parse(bytes)
        let fromBuffer = try bytes.withUnsafeBufferPointer { buffer in try JSONReader.parse(bytes: buffer) }
        #expect(fromText == fromBytes)
        #expect(fromText == fromBuffer)
        #expect(fromText["a"]?.arrayValue?.first == .number("1.50"))
    }
}

@Suite("JSONReader: numbers keep their exact lexeme")
struct JSONReaderNumberTests {
    static let lexemes = [
        "0", "-0", "-0.0", "1.50", "0.0000001", "1.000000000000000000E+245", "1.000000000000000000E-245",
        "-1.000000000000000000E+245", "1E-22", "1e5", "2E+3", "3e-0", "1000000000000000000",
        "123456789012345678901234567890.123456789012345678901234567890", "3.141592653589793", "1.00065022141624642",
    ]

    @Test(arguments: lexemes)
    func topLevelNumberIsByteIdenticalAfterRoundTrip(lexeme: String) throws {
        let value = try JSONReader.parse(lexeme)
        #expect(value == .number(lexeme))
        #expect(value.numberLexeme == lexeme)
        #expect(JSONWriter.string(value) == lexeme)
        #expect(JSONWriter.string(value, style: .pretty) == lexeme)
    }

    @Test func numbersInsideContainersAreByteIdentical() throws {
        let text = #"{"a":1.50,"b":[0.0000001,-0.0,1.000000000000000000E+245],"c":{"d":1.0}}"#
        let value = try json(text)
        #expect(JSONWriter.string(value) == text)
        #expect(numberLexemes(in: value) == ["1.50", "0.0000001", "-0.0", "1.000000000000000000E+245", "1.0"])
    }

    @Test func differentLexemesOfTheSameQuantityStayDistinct() throws {
        // FHIR decimals carry precision: 1.0 and 1.00 are different values.
        let value = try json("[1.0,1.00,1]")
        let elements = try #require(value.arrayValue)
        #expect(elements.map(\.numberLexeme) == ["1.0", "1.00", "1"])
        #expect(elements[0] != elements[1])
    }
}

@Suite("JSONReader: strings")
struct JSONReaderStringTests {
    @Test func decodesEverySimpleEscape() throws {
        let value = try json(#"["\"\\\/\b\f\n\r\t"]"#)
        let string = try #require(value.arrayValue?.first?.stringValue)
        #expect(string.scalarValues == [0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09])
    }

    @Test func decodesSolidusEscapeAsInFHIRNarratives() throws {
        let value = try json(#"{"div":"<td>Name<\/td>"}"#)
        #expect(value["div"] == .string("<td>Name</td>"))
    }

    @Test func decodesUnicodeEscapes() throws {
        let value = try json(#"["\u00e9","\u00E9","caf\u00e9!","\u0041\u0000\u001f","\u202f","\u4e2d\u6587"]"#)
        let strings = try #require(stringElements(value))
        #expect(strings.count == 6)
        #expect(strings[0].scalarValues == [0xE9])
        #expect(strings[1].scalarValues == [0xE9])
        #expect(strings[2].scalarValues == [0x63, 0x61, 0x66, 0xE9, 0x21])
        #expect(strings[3].scalarValues == [0x41, 0x00, 0x1F])
        #expect(strings[4].scalarValues == [0x202F])
        #expect(strings[5] == "中文")
    }

    @Test func decodesSurrogatePairEscapes() throws {
        let value = try json(#"["\ud83d\ude00","x\uD83D\uDE00y","\udbff\udfff"]"#)
        let strings = try #require(stringElements(value))
        #expect(strings[0].scalarValues == [0x1F600])
        #expect(strings[0] == "😀")
        #expect(strings[1].scalarValues == [0x78, 0x1F600, 0x79])
        #expect(strings[2].scalarValues == [0x10FFFF])
    }

    @Test func keepsRawMultiByteUTF8() throws {
        // U+202F narrow no-break space (3 bytes), Chinese (3 bytes each), an emoji (4 bytes), é (2 bytes).
        let text = "[\"Acme\u{202F}Healthcare\",\"中文字符\",\"😀\",\"du Marché\"]"
        let bytes = Array(text.utf8)
        #expect(bytes.contains(0xE2) && bytes.contains(0xF0))  // really raw, not escaped
        let value = try JSONReader.parse(bytes)
        let strings = try #require(stringElements(value))
        #expect(strings[0].scalarValues == Array("Acme".unicodeScalars.map(\.value)) + [0x202F] + "Healthcare".unicodeScalars.map(\.value))
        #expect(strings[1].scalarValues == [0x4E2D, 0x6587, 0x5B57, 0x7B26])
        #expect(strings[2].scalarValues == [0x1F600])
        #expect(strings[3].scalarValues.last == 0xE9)
        #expect(JSONWriter.bytes(value) == bytes)
    }

    @Test func mixesRawUTF8AndEscapesInOneString() throws {
        // The escape forces the reader off its fast path after raw multi-byte text.
        let value = try json("[\"é中\\n\\u00e9😀\\\"end\"]")
        let string = try #require(value.arrayValue?.first?.stringValue)
        #expect(string.scalarValues == [0xE9, 0x4E2D, 0x0A, 0xE9, 0x1F600, 0x22, 0x65, 0x6E, 0x64])
    }

    @Test func keysAreDecodedLikeStrings() throws {
        let value = try json(#"{"a\u0062":1,"\ud83d\ude00":2,"\/":3}"#)
        #expect(value.objectValue?.keys == ["ab", "😀", "/"])
    }

    @Test func acceptsDeleteAndOtherNonControlASCII() throws {
        let value = try JSONReader.parse([0x22, 0x7F, 0x7E, 0x20, 0x22])
        #expect(value.stringValue?.scalarValues == [0x7F, 0x7E, 0x20])
    }
}
