import Testing
import FHIRCore

/// Official FHIR R4 examples (copied into Fixtures/) through parse → write → parse.
@Suite("JSON round trip of FHIR R4 examples")
struct JSONRoundTripTests {
    static let fixtures = ["json-edge-cases.json", "observation-decimal.json"]

    @Test(arguments: fixtures)
    func parseWriteParseGivesAnEqualValue(name: String) throws {
        let source = try Fixture.bytes(name)
        let value = try JSONReader.parse(source)
        for style in [JSONWriter.Style.compact, .pretty] {
            let written = JSONWriter.bytes(value, style: style)
            let reparsed = try JSONReader.parse(written)
            #expect(reparsed == value, "style \(style)")
            // Writing is deterministic and a fixed point after one round.
            #expect(JSONWriter.bytes(reparsed, style: style) == written, "style \(style)")
        }
    }

    @Test(arguments: fixtures)
    func numbersInTheWrittenTextAreByteIdenticalToTheSource(name: String) throws {
        let source = try Fixture.bytes(name)
        let sourceNumbers = numberLexemes(inJSONText: source)
        #expect(!sourceNumbers.isEmpty)
        let value = try JSONReader.parse(source)
        #expect(numberLexemes(in: value) == sourceNumbers)
        for style in [JSONWriter.Style.compact, .pretty] {
            #expect(numberLexemes(inJSONText: JSONWriter.bytes(value, style: style)) == sourceNumbers, "style \(style)")
        }
    }

    @Test func observationDecimalKeepsEveryPrecision() throws {
        let value = try JSONReader.parse(try Fixture.bytes("observation-decimal.json"))
        let components = try #require(value["component"]?.arrayValue)
        let lexemes = components.map { $0["valueQuantity"]?["value"]?.numberLexeme }
        #expect(lexemes == [
            "1.0", "1.00", "1.0", "1E-22", "1000000000000000000",
            "1.000000000000000000E-245", "-1.000000000000000000E+245",
        ])
        #expect(components[0] != components[1])  // 1.0 g and 1.00 g differ in precision
        #expect(components[0] == components[2])
        let compact = JSONWriter.string(value)
        #expect(compact.contains(#""valueQuantity":{"value":1.00,"unit":"g"}"#))
        #expect(compact.contains(#""value":-1.000000000000000000E+245,"#))
    }

    @Test func edgeCasesDecodeAsTheSpecIntends() throws {
        let value = try JSONReader.parse(try Fixture.bytes("json-edge-cases.json"))
        #expect(value["resourceType"] == "Patient")
        #expect(value["id"] == nil)
        // "Acme\u202fHealthcare": an escaped narrow no-break space.
        let assigner = try #require(value["identifier"]?.arrayValue?.first?["assigner"]?["display"]?.stringValue)
        #expect(assigner.scalarValues == "Acme".unicodeScalars.map(\.value) + [0x202F] + "Healthcare".unicodeScalars.map(\.value))
        // Raw UTF-8 in the source.
        let name = try #require(value["contact"]?.arrayValue?.first?["name"])
        #expect(name["family"]?.stringValue?.scalarValues == "du March\u{E9}".unicodeScalars.map(\.value))
        #expect(name["given"]?.arrayValue?.first?.stringValue?.scalarValues == "B\u{E9}n\u{E9}dicte".unicodeScalars.map(\.value))
        // Nulls in a primitive extension array.
        let given = try #require(name["_given"]?.arrayValue)
        #expect(given.count == 3)
        #expect(given[0] == .null && given[2] == .null)
        #expect(given[1]["id"] == "a3")
        // "\/" decodes to "/" inside the XHTML narrative, and the escaped newlines are real newlines.
        let div = try #require(value["text"]?["div"]?.stringValue)
        #expect(div.contains("<td>Name</td>"))
        #expect(!div.contains("\\/"))
        #expect(div.hasPrefix("<div xmlns=\"http://www.w3.org/1999/xhtml\">\n      <table>"))
        // Member order of the document is kept.
        #expect(value.objectValue?.keys.prefix(4) == ["resourceType", "identifier", "managingOrganization", "_active"])
        #expect(value["identifier"]?.arrayValue?.first?.objectValue?.keys == ["period", "assigner", "use", "system", "value"])
        let decimals = value["modifierExtension"]?.arrayValue?.map { $0["valueDecimal"]?.numberLexeme }
        #expect(decimals == ["3.141592653589793", "1.00065022141624642"])
        #expect(value["multipleBirthInteger"] == 3)
        #expect(value["deceasedBoolean"] == true)
    }

    @Test func writerEmitsNonASCIIRawAndEscapesWhatJSONRequires() throws {
        let value = try JSONReader.parse(try Fixture.bytes("json-edge-cases.json"))
        let compact = JSONWriter.string(value)
        // The narrow no-break space was an escape in the source; the writer emits it raw.
        #expect(compact.contains("Acme\u{202F}Healthcare"))
        #expect(!compact.contains("\\u202f"))
        #expect(compact.contains("du March\u{E9}"))
        // The writer does not escape "/", but must escape the narrative's quotes and newlines.
        #expect(compact.contains(#"<td>Name</td>"#))
        #expect(compact.contains(#"<div xmlns=\"http://www.w3.org/1999/xhtml\">\n      <table>"#))
        // Compact output has no whitespace between tokens (the tabs of the source are gone).
        #expect(!compact.contains("\t"))
        #expect(compact.hasPrefix(#"{"resourceType":"Patient","identifier":[{"period":{"start":"2001-05-06"},"#))
    }
}
