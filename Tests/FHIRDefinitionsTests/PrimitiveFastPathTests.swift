import FHIRCore
@testable import FHIRDefinitions
import Foundation
import Testing

/// The hand-written checks of frequent primitive types must agree with the specification's patterns.
@Suite struct PrimitiveFastPathTests {
    static let types = ["string", "markdown", "uri", "url", "canonical", "code", "id", "decimal", "integer", "unsignedInt", "positiveInt"]

    /// Every string and number in the official examples, plus edge cases.
    static let corpus: [String] = {
        var values: Set<String> = ["", " ", "a", " a", "a ", "a  b", "a b", "a\tb", "a\t\tb", "a\nb", "\u{00A0}", "a\u{00A0}b",
                                   "0", "-0", "01", "1", "-1", "10", "1.5", "1e5", "-2.0E-3", "Ab-1.2", "a_b", String(repeating: "x", count: 64),
                                   String(repeating: "x", count: 65), "http://a b", "urn:oid:1.2", "\r", "x\r\ny"]
        func collect(_ value: JSONValue) {
            switch value {
            case .string(let text): values.insert(text)
            case .number(let lexeme): values.insert(lexeme)
            case .array(let items): items.forEach(collect)
            case .object(let object): object.members.forEach { collect($0.value) }
            default: break
            }
        }
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/examples")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path),
               let value = try? JSONReader.parse(Array(data)) {
                collect(value)
            }
        }
        return values.sorted()
    }()

    @Test(arguments: types)
    func fastCheckAgreesWithThePattern(type: String) throws {
        let primitive = try PrimitiveType(name: type, xsdPattern: try #require(Self.patterns[type]))
        #expect(Self.corpus.count > 1000)
        for lexeme in Self.corpus where !(["decimal", "integer", "unsignedInt", "positiveInt"].contains(type) && !Self.isJSONNumber(lexeme)) {
            #expect(PrimitiveType.fastMatch(type: type, lexeme) == primitive.matchesPattern(lexeme), "\(type): '\(lexeme)'")
        }
    }

    /// The `regex` of each primitive type's `value` element, straight from elements.json.
    static let patterns: [String: String] = {
        let file = TestData.conformanceDirectory.appendingPathComponent("structure/elements.json")
        guard let data = FileManager.default.contents(atPath: file.path),
              let types = (try? JSONReader.parse(Array(data)))?["types"]?.objectValue else { return [:] }
        var patterns: [String: String] = [:]
        for (name, type) in types {
            let value = type["elements"]?.arrayValue?.first { $0["path"]?.stringValue == "\(name).value" }
            patterns[name] = value?["types"]?.arrayValue?.first?["regex"]?.stringValue
        }
        return patterns
    }()

    /// Number types only ever see lexemes the JSON reader accepted.
    static func isJSONNumber(_ lexeme: String) -> Bool {
        (try? JSONReader.parse(lexeme))?.numberLexeme != nil
    }
}
