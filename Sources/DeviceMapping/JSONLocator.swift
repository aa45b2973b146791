/// Where each element of a JSON document starts, keyed by JSON Pointer (RFC 6901).
///
/// FHIRCore's reader does not expose positions, so this scans the raw bytes once more. It runs
/// only on documents the reader has already accepted, and stays total on anything else.
/// Public so that other mapping modules (FHIRMapping) locate their errors the same way.
public struct JSONLocator: Sendable {
    /// Start offsets of values and of member names, by pointer (`""` is the root value).
    private var valueOffsets: [String: Int] = [:]
    private var keyOffsets: [String: Int] = [:]
    private let bytes: [UInt8]
    private var position = 0

    /// Scans `bytes`, a UTF-8 JSON document (a leading BOM is skipped).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        scanValue(pointer: "")
    }

    /// The location of the value at `pointer`, falling back to its nearest located ancestor.
    public func location(of pointer: JSONPointer) -> TextLocation {
        var candidate = pointer
        while true {
            if let offset = valueOffsets[candidate.text] { return TextLocation(offset: offset, in: bytes) }
            guard let parent = candidate.parent else { return TextLocation(line: 1, column: 1) }
            candidate = parent
        }
    }

    /// The location of the member name that `pointer` ends with, else of its value.
    public func keyLocation(of pointer: JSONPointer) -> TextLocation {
        guard let offset = keyOffsets[pointer.text] else { return location(of: pointer) }
        return TextLocation(offset: offset, in: bytes)
    }

    // MARK: - Scanning

    private mutating func scanValue(pointer: String) {
        guard position < bytes.count else { return }
        valueOffsets[pointer] = position
        switch bytes[position] {
        case UInt8(ascii: "{"): scanObject(pointer: pointer)
        case UInt8(ascii: "["): scanArray(pointer: pointer)
        case UInt8(ascii: "\""): _ = scanString()
        default:
            while position < bytes.count, !Self.isDelimiter(bytes[position]) { position += 1 }
        }
    }

    private mutating func scanObject(pointer: String) {
        position += 1
        skipWhitespace()
        while position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            let keyStart = position
            let member = pointer + "/" + JSONPointer.escape(scanString())
            keyOffsets[member] = keyStart
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: ":") { position += 1 }
            skipWhitespace()
            scanValue(pointer: member)
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { break }
            position += 1
            skipWhitespace()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1 }
    }

    private mutating func scanArray(pointer: String) {
        position += 1
        skipWhitespace()
        var index = 0
        while position < bytes.count, bytes[position] != UInt8(ascii: "]") {
            scanValue(pointer: pointer + "/" + String(index))
            index += 1
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { break }
            position += 1
            skipWhitespace()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1 }
    }

    /// Reads a string starting at its opening quote and returns its decoded content.
    private mutating func scanString() -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            guard bytes[position] == UInt8(ascii: "\\"), position + 1 < bytes.count else {
                raw.append(bytes[position])
                position += 1
                continue
            }
            flush()
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(scanUnicodeEscape())
            default: scalars.append(Unicode.Scalar(escape))
            }
        }
        flush()
        position += 1
        return String(scalars)
    }

    /// The scalar of a `\uXXXX` escape (after the `u`), joining a following low surrogate.
    private mutating func scanUnicodeEscape() -> Unicode.Scalar {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        guard let high = hexQuad() else { return replacement }
        guard (0xD800..<0xDC00).contains(high) else { return Unicode.Scalar(high) ?? replacement }
        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
        else { return replacement }
        position += 2
        guard let low = hexQuad(), (0xDC00..<0xE000).contains(low) else { return replacement }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? replacement
    }

    private mutating func hexQuad() -> UInt32? {
        guard position + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
        else { return nil }
        position += 4
        return value
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(byte)
    }
}

/// An RFC 6901 JSON Pointer, built up while walking a document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The escaped pointer text, e.g. `/template/0/template/values/1`; `""` is the root.
    public let text: String

    /// The pointer to the whole document.
    public static let root = JSONPointer(text: "")

    init(text: String) { self.text = text }

    /// The pointer to member `key` of the object this pointer refers to (`~` and `/` escaped).
    public func appending(_ key: String) -> JSONPointer { JSONPointer(text: text + "/" + Self.escape(key)) }
    /// The pointer to element `index` of the array this pointer refers to.
    public func appending(_ index: Int) -> JSONPointer { JSONPointer(text: text + "/" + String(index)) }

    var parent: JSONPointer? {
        guard let slash = text.lastIndex(of: "/") else { return nil }
        return JSONPointer(text: String(text[..<slash]))
    }

    public var description: String { text }

    static func escape(_ key: String) -> String {
        var escaped = ""
        for character in key {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
