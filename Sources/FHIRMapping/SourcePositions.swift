import FHIRCore
import DeviceMapping

/// Where each value and member name of an accepted JSON document starts, by JSON Pointer.
///
/// Mirrors DeviceMapping's internal `JSONLocator` (which is not public) in reduced form: it
/// only runs on documents `JSONReader` accepted, so it need not diagnose anything.
struct SourcePositions {
    private var values: [String: Int] = [:]
    private var keys: [String: Int] = [:]
    private let bytes: [UInt8]
    private var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        scanValue("")
    }

    /// The location of the value at `pointer`, else of its nearest located ancestor.
    func location(of pointer: String) -> TextLocation {
        var candidate = Substring(pointer)
        while true {
            if let offset = values[String(candidate)] { return Self.location(offset, in: bytes) }
            guard let slash = candidate.lastIndex(of: "/") else { return TextLocation(line: 1, column: 1) }
            candidate = candidate[..<slash]
        }
    }

    /// The location of the member name `pointer` ends with, else of its value.
    func keyLocation(of pointer: String) -> TextLocation {
        keys[pointer].map { Self.location($0, in: bytes) } ?? location(of: pointer)
    }

    /// 1-based line and column (in Unicode scalars) of byte `offset`.
    static func location(_ offset: Int, in bytes: [UInt8]) -> TextLocation {
        var line = 1
        var column = 1
        for byte in bytes[..<min(max(offset, 0), bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return TextLocation(line: line, column: column)
    }

    static func escape(_ key: String) -> String {
        key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private mutating func scanValue(_ pointer: String) {
        guard position < bytes.count else { return }
        values[pointer] = position
        switch bytes[position] {
        case UInt8(ascii: "{"):
            scanMembers(close: UInt8(ascii: "}")) { scanner, _ in
                let keyStart = scanner.position
                let member = pointer + "/" + Self.escape(scanner.scanString())
                scanner.keys[member] = keyStart
                scanner.skipWhitespace()
                if scanner.position < scanner.bytes.count, scanner.bytes[scanner.position] == UInt8(ascii: ":") {
                    scanner.position += 1
                }
                scanner.skipWhitespace()
                scanner.scanValue(member)
            }
        case UInt8(ascii: "["):
            scanMembers(close: UInt8(ascii: "]")) { scanner, index in scanner.scanValue(pointer + "/" + String(index)) }
        case UInt8(ascii: "\""): _ = scanString()
        default:
            while position < bytes.count, !",}] \t\r\n".utf8.contains(bytes[position]) { position += 1 }
        }
    }

    private mutating func scanMembers(close: UInt8, _ element: (inout SourcePositions, Int) -> Void) {
        position += 1
        skipWhitespace()
        var index = 0
        while position < bytes.count, bytes[position] != close {
            element(&self, index)
            index += 1
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { break }
            position += 1
            skipWhitespace()
        }
        if position < bytes.count, bytes[position] == close { position += 1 }
    }

    /// Reads a string from its opening quote; member names are decoded through `JSONReader`.
    private mutating func scanString() -> String {
        let start = position
        position += 1
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
        }
        position += 1
        let raw = Array(bytes[start..<min(position, bytes.count)])
        return (try? JSONReader.parse(raw))?.stringValue ?? String(decoding: raw, as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, " \t\r\n".utf8.contains(bytes[position]) { position += 1 }
    }
}
