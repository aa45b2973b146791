import Foundation
import Testing
import FHIRCore

/// Files under `Tests/JSONPathTests/Fixtures`, found relative to this source file.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    static func json(_ name: String) throws -> JSONValue {
        try JSONReader.parse(Array(try Data(contentsOf: directory.appendingPathComponent(name))))
    }
}

/// Parses JSON written by a test.
func json(_ text: String) throws -> JSONValue {
    try JSONReader.parse(text)
}

/// JSON equality for expectations: arrays in order, objects ignoring member order, numbers by value.
func sameJSON(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.number(let left), .number(let right)): return Double(left) == Double(right)
    case (.array(let left), .array(let right)):
        return left.count == right.count && zip(left, right).allSatisfy { sameJSON($0, $1) }
    case (.object(let left), .object(let right)):
        return left.count == right.count && left.allSatisfy { member in
            right[member.key].map { sameJSON(member.value, $0) } ?? false
        }
    default: return lhs == rhs
    }
}
