import Foundation
import Testing
import FHIRCore

/// Loads files from `Tests/FHIRCoreTests/Fixtures`, located relative to this source file so the
/// tests need nothing outside the repository.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

/// Parses `bytes` and returns the syntax error, or `nil` when the input was accepted.
func syntaxError(_ bytes: [UInt8]) -> JSONSyntaxError? {
    do {
        _ = try JSONReader.parse(bytes)
        return nil
    } catch {
        return error
    }
}

func syntaxError(_ text: String) -> JSONSyntaxError? {
    syntaxError(Array(text.utf8))
}

/// Parses a JSON text that the test itself wrote; a failure here is a test bug or a reader bug.
func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
    do {
        return try JSONReader.parse(text)
    } catch {
        Issue.record("could not parse test JSON: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// Number lexemes of a JSON text in document order, found by a scanner that shares no code with
/// `JSONReader`: outside strings, a number is a maximal run of `-+.eE0-9` starting with `-` or a digit.
func numberLexemes(inJSONText bytes: [UInt8]) -> [String] {
    var lexemes: [String] = []
    var index = 0
    var inString = false
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            if byte == UInt8(ascii: "\\") { index += 2; continue }
            if byte == UInt8(ascii: "\"") { inString = false }
            index += 1
            continue
        }
        if byte == UInt8(ascii: "\"") {
            inString = true
            index += 1
        } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let start = index
            while index < bytes.count, Array("-+.eE0123456789".utf8).contains(bytes[index]) { index += 1 }
            lexemes.append(String(decoding: bytes[start..<index], as: UTF8.self))
        } else {
            index += 1
        }
    }
    return lexemes
}

/// Number lexemes held by a parsed value, in member/element order.
func numberLexemes(in value: JSONValue) -> [String] {
    switch value {
    case .number(let lexeme): [lexeme]
    case .array(let elements): elements.flatMap(numberLexemes(in:))
    case .object(let object): object.members.flatMap { numberLexemes(in: $0.value) }
    case .null, .bool, .string: []
    }
}

extension String {
    /// The Unicode scalar values, for comparisons that must not use canonical equivalence.
    var scalarValues: [UInt32] { unicodeScalars.map(\.value) }
}

/// The string elements of an array value, or nil when it is not an array of strings only.
func stringElements(_ value: JSONValue) -> [String]? {
    guard let elements = value.arrayValue else { return nil }
    let strings = elements.compactMap(\.stringValue)
    return strings.count == elements.count ? strings : nil
}
