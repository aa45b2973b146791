import Testing
import FHIRCore

@Suite("JSONReader: rejected input")
struct JSONReaderRejectionTests {
    // MARK: Duplicate keys

    @Test func rejectsDuplicateKeyAtTheSecondKey() throws {
        let error = try #require(syntaxError(#"{"a":1,"a":2}"#))
        #expect(error.reason == .duplicateKey("a"))
        #expect(error.offset == 7)
        #expect(error.line == 1)
        #expect(error.column == 8)
    }

    @Test func rejectsDuplicateKeyInANestedObject() throws {
        let text = "{\n  \"outer\": {\n    \"b\": 1,\n    \"b\": 2\n  }\n}"
        let error = try #require(syntaxError(text))
        #expect(error.reason == .duplicateKey("b"))
        #expect(error.line == 4)
        #expect(error.column == 5)
    }

    @Test func rejectsDuplicateKeyInsideAnArray() throws {
        let error = try #require(syntaxError(#"[{"x":1},{"y":1,"z":2,"y":3}]"#))
        #expect(error.reason == .duplicateKey("y"))
    }

    @Test func rejectsKeysThatAreDuplicatesOnlyAfterUnescaping() throws {
        let error = try #require(syntaxError(#"{"a":1,"\u0061":2}"#))
        #expect(error.reason == .duplicateKey("a"))
    }

    @Test func acceptsTheSameKeyInSiblingObjects() throws {
        #expect(syntaxError(#"{"a":{"a":1},"b":{"a":2}}"#) == nil)
    }

    // MARK: Invalid UTF-8 (inside a string, where it can occur in valid JSON structure)

    @Test(arguments: [
        ("overlong encoding of '/'", [0xC0, 0xAF] as [UInt8]),
        ("overlong two-byte lead C1", [0xC1, 0xBF]),
        ("overlong three-byte", [0xE0, 0x80, 0xAF]),
        ("UTF-16 surrogate U+D800 encoded in UTF-8", [0xED, 0xA0, 0x80]),
        ("truncated three-byte sequence", [0xE2, 0x82]),
        ("truncated four-byte sequence", [0xF0, 0x9F, 0x98]),
        ("lone continuation byte", [0x80]),
        ("byte 0xFF", [0xFF]),
        ("byte 0xFE", [0xFE]),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("lead byte F5", [0xF5, 0x80, 0x80, 0x80]),
    ])
    func rejectsInvalidUTF8InAString(label: String, sequence: [UInt8]) throws {
        let input: [UInt8] = Array(#"["ok","#.utf8) + [0x22] + sequence + Array(#"x"]"#.utf8)
        let error = try #require(syntaxError(input), "\(label)")
        #expect(error.reason == .invalidUTF8, "\(label)")
        #expect(error.offset == 7, "\(label)")  // the first byte of the bad sequence
        #expect(error.line == 1 && error.column == 8, "\(label)")
    }

    @Test func rejectsInvalidUTF8AfterAnEscape() throws {
        // The slow (escape) path of the string reader must validate too.
        let input: [UInt8] = Array(#""\n"#.utf8) + [0xC0, 0xAF] + [0x22]
        #expect(syntaxError(input)?.reason == .invalidUTF8)
    }

    @Test func rejectsInvalidUTF8InAKey() throws {
        let input: [UInt8] = [UInt8(ascii: "{"), 0x22, 0xED, 0xA0, 0x80, 0x22] + Array(":1}".utf8)
        #expect(syntaxError(input)?.reason == .invalidUTF8)
    }

    @Test func rejectsATruncatedSequenceAtTheEndOfInput() throws {
        let error = try #require(syntaxError([0x22, 0xE2, 0x82]))
        #expect(error.reason == .invalidUTF8)
        #expect(error.offset == 1)
    }

    @Test func acceptsTheLargestValidSequences() throws {
        // U+07FF, U+FFFF, U+10FFFF and U+D7FF (just below the surrogates) are all valid.
        let input: [UInt8] = [0x22, 0xDF, 0xBF, 0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF, 0xED, 0x9F, 0xBF, 0x22]
        let value = try JSONReader.parse(input)
        #expect(value.stringValue?.scalarValues == [0x7FF, 0xFFFF, 0x10FFFF, 0xD7FF])
    }

    // MARK: Escapes

    @Test(arguments: [
        #""\ud800""#,          // lone high surrogate at the end of the string
        #""\ud800x""#,         // high surrogate followed by plain text
        #""\ud800\n""#,        // high surrogate followed by another escape
        #""\ud800\u0041""#,    // high surrogate followed by a non-surrogate
        #""\ud800\ud800""#,    // two high surrogates
        #""\udc00""#,          // lone low surrogate
        #""\ude00\ud83d""#,    // pair in the wrong order
    ])
    func rejectsLoneOrMisorderedSurrogateEscapes(text: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.reason == .invalidEscape)
        #expect(error.line == 1)
        #expect(error.offset > 1 && error.offset <= text.utf8.count)
    }

    @Test func reportsALoneSurrogateWhereItsEscapeEnds() throws {
        let error = try #require(syntaxError(#"["\ud800"]"#))
        #expect(error.reason == .invalidEscape)
        #expect(error.offset == 8)
        #expect(error.column == 9)
    }

    @Test(arguments: [#""\x""#, #""\u12G4""#, #""\U00e9""#, #""\'""#, #""\a""#, #""\0""#])
    func rejectsUnknownOrMalformedEscapes(text: String) {
        #expect(syntaxError(text)?.reason == .invalidEscape)
    }

    @Test func rejectsATruncatedUnicodeEscape() {
        #expect(syntaxError(#""\u00e"#)?.reason == .unexpectedEnd)
        #expect(syntaxError(#""\u00"#)?.reason == .unexpectedEnd)
        #expect(syntaxError(#""\"#)?.reason == .unexpectedEnd)
    }

    // MARK: Control characters

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func rejectsUnescapedControlCharacterInString(byte: UInt8) throws {
        let input: [UInt8] = [UInt8(ascii: "["), 0x22, UInt8(ascii: "a"), byte, UInt8(ascii: "b"), 0x22, UInt8(ascii: "]")]
        let error = try #require(syntaxError(input))
        #expect(error.reason == .controlCharacterInString)
        #expect(error.offset == 3)
        #expect(error.line == 1 && error.column == 4)
    }

    @Test func rejectsControlCharacterAfterAnEscape() throws {
        let input: [UInt8] = Array(#""\t"#.utf8) + [0x01, 0x22]
        let error = try #require(syntaxError(input))
        #expect(error.reason == .controlCharacterInString)
        #expect(error.offset == 3)
    }

    // MARK: Numbers

    @Test(arguments: ["01", "00", "-01", "1.", "1.e5", "-", "-a", "1e", "1E+", "1e-", "[01]", "[1.]", "[-]"])
    func rejectsMalformedNumbers(text: String) {
        #expect(syntaxError(text)?.reason == .invalidNumber)
    }

    @Test func rejectsASecondFractionOrExponentAsTrailingContent() {
        // "0.1" and "1.5e3" are complete numbers; what follows is not part of them.
        #expect(syntaxError("0.1.")?.reason == .trailingContent)
        #expect(syntaxError("1.5e3.2")?.reason == .trailingContent)
    }

    @Test func reportsAnInvalidNumberAtItsStart() throws {
        let error = try #require(syntaxError(#"{"a": 01}"#))
        #expect(error.reason == .invalidNumber)
        #expect(error.offset == 6)
        #expect(error.column == 7)
    }

    @Test(arguments: [
        (".5", UInt8(ascii: ".")), ("+1", UInt8(ascii: "+")), ("[.5]", UInt8(ascii: ".")),
        ("[+1]", UInt8(ascii: "+")), ("NaN", UInt8(ascii: "N")), ("[Infinity]", UInt8(ascii: "I")),
    ])
    func rejectsNumbersWithoutALeadingDigitOrMinus(text: String, byte: UInt8) {
        #expect(syntaxError(text)?.reason == .unexpectedCharacter(byte))
    }

    @Test func rejectsALetterDirectlyAfterANumber() {
        #expect(syntaxError("[1a]")?.reason == .unexpectedCharacter(UInt8(ascii: "a")))
        #expect(syntaxError("[0x1]")?.reason == .unexpectedCharacter(UInt8(ascii: "x")))
    }

    // MARK: Structure

    @Test func rejectsTrailingCommaInObject() throws {
        let error = try #require(syntaxError(#"{"a":1,}"#))
        #expect(error.reason == .unexpectedCharacter(UInt8(ascii: "}")))
        #expect(error.offset == 7 && error.column == 8)
    }

    @Test func rejectsTrailingCommaInArray() throws {
        let error = try #require(syntaxError("[1,2,]"))
        #expect(error.reason == .unexpectedCharacter(UInt8(ascii: "]")))
        #expect(error.offset == 5 && error.column == 6)
    }

    @Test func rejectsTrailingContent() throws {
        let error = try #require(syntaxError("{} x"))
        #expect(error.reason == .trailingContent)
        #expect(error.offset == 3 && error.line == 1 && error.column == 4)
        #expect(syntaxError("{}{}")?.reason == .trailingContent)
        #expect(syntaxError("1 2")?.reason == .trailingContent)
        #expect(syntaxError("[] ]")?.reason == .trailingContent)
        #expect(syntaxError([UInt8(ascii: "1"), 0x00])?.reason == .trailingContent)
    }

    @Test func acceptsTrailingWhitespace() {
        #expect(syntaxError("{} \n\t\r\n") == nil)
    }

    @Test(arguments: [#""abc"#, #"{"a":"abc"#, #"{"a\"#, #"["é"#])
    func rejectsAnUnterminatedString(text: String) throws {
        let error = try #require(syntaxError(text))
        #expect(error.reason == .unexpectedEnd)
        #expect(error.offset == text.utf8.count)
    }

    @Test(arguments: ["[", "[1", "[1,", "{", #"{"a""#, #"{"a":"#, #"{"a":1"#, #"{"a":1,"#, "tru", "nul", "-"])
    func rejectsTruncatedDocuments(text: String) throws {
        let error = try #require(syntaxError(text))
        if text == "-" {
            #expect(error.reason == .invalidNumber)
        } else {
            #expect(error.reason == .unexpectedEnd)
        }
    }

    @Test func rejectsEmptyInput() throws {
        let error = try #require(syntaxError([]))
        #expect(error.reason == .unexpectedEnd)
        #expect(error.offset == 0 && error.line == 1 && error.column == 1)
        #expect(syntaxError("")?.reason == .unexpectedEnd)
    }

    @Test func rejectsWhitespaceOnlyAndBOMOnlyInput() throws {
        let error = try #require(syntaxError(" \n  "))
        #expect(error.reason == .unexpectedEnd)
        #expect(error.line == 2 && error.column == 3)
        #expect(syntaxError([0xEF, 0xBB, 0xBF])?.reason == .unexpectedEnd)
    }

    @Test func rejectsAByteOrderMarkAnywhereButTheStart() {
        #expect(syntaxError([UInt8(ascii: " "), 0xEF, 0xBB, 0xBF, UInt8(ascii: "1")])?.reason == .unexpectedCharacter(0xEF))
        #expect(syntaxError([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, UInt8(ascii: "1")])?.reason == .unexpectedCharacter(0xEF))
    }

    @Test(arguments: [
        (#"{"a" 1}"#, UInt8(ascii: "1")), (#"{1:2}"#, UInt8(ascii: "1")), (#"{'a':1}"#, UInt8(ascii: "'")),
        (#"{"a":1 "b":2}"#, UInt8(ascii: "\"")), ("[1 2]", UInt8(ascii: "2")), ("True", UInt8(ascii: "T")),
        ("nulL", UInt8(ascii: "L")), ("[,1]", UInt8(ascii: ",")), (#"{,}"#, UInt8(ascii: ",")), ("]", UInt8(ascii: "]")),
    ])
    func rejectsUnexpectedCharacters(text: String, byte: UInt8) {
        #expect(syntaxError(text)?.reason == .unexpectedCharacter(byte))
    }

    @Test func rejectsNonJSONBytesOutsideStrings() {
        #expect(syntaxError([0xFF])?.reason == .unexpectedCharacter(0xFF))
    }

    @Test func reportsLineAndColumnOnLaterLines() throws {
        let error = try #require(syntaxError("{\n  \"a\": 1,\n  \"b\": x\n}"))
        #expect(error.reason == .unexpectedCharacter(UInt8(ascii: "x")))
        #expect(error.line == 3)
        #expect(error.column == 8)
        #expect(error.offset == 19)
    }

    @Test func describesTheErrorWithItsPosition() throws {
        let duplicate = try #require(syntaxError(#"{"a":1,"a":2}"#))
        #expect(duplicate.description == #"duplicate key "a" at line 1, column 8"#)
        let unexpected = try #require(syntaxError("[1,]"))
        #expect(unexpected.description == "unexpected character ']' at line 1, column 4")
        let byte = try #require(syntaxError([0xFF]))
        #expect(byte.description == "unexpected byte 0xff at line 1, column 1")
    }

    // MARK: Nesting depth

    @Test(arguments: [1, 200, JSONReader.maximumDepth])
    func acceptsNestingUpToTheLimit(depth: Int) throws {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(syntaxError(arrays) == nil)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        let value = try JSONReader.parse(objects)
        var level = 1
        var current = value
        while let next = current["a"] {
            current = next
            level += 1
        }
        #expect(level == depth)
    }

    @Test(arguments: [JSONReader.maximumDepth + 1, 300, 100_000])
    func rejectsNestingBeyondTheLimit(depth: Int) throws {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = try #require(syntaxError(arrays))
        #expect(JSONReader.maximumDepth == 256)
        #expect(error.reason == .tooDeeplyNested(limit: 256))
        #expect(error.offset == 256)  // at the 257th opening bracket
        let mixed = String(repeating: #"[{"a":"#, count: depth / 2 + 1)
        #expect(syntaxError(mixed)?.reason == .tooDeeplyNested(limit: 256))
    }
}
