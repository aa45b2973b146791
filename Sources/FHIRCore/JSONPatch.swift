import Foundation

/// Why a JSON Patch (RFC 6902) document could not be applied.
public enum JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The patch document itself is malformed; `operation` is its index.
    case invalidOperation(operation: Int, reason: String)
    /// A `path` or `from` pointer does not address an existing location.
    case pathNotFound(operation: Int, pointer: String)
    /// A `test` operation found a different value.
    case testFailed(operation: Int, pointer: String)

    public var description: String {
        switch self {
        case .invalidOperation(let operation, let reason): "patch operation \(operation): \(reason)"
        case .pathNotFound(let operation, let pointer): "patch operation \(operation): path '\(pointer)' does not exist"
        case .testFailed(let operation, let pointer): "patch operation \(operation): test failed at '\(pointer)'"
        }
    }
}

/// Applies RFC 6902 JSON Patch documents to `JSONValue`s.
public enum JSONPatch {
    public static func apply(_ patch: JSONValue, to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let operations = patch.arrayValue else {
            throw .invalidOperation(operation: 0, reason: "a JSON Patch document must be an array of operations")
        }
        var result = document
        for (index, operation) in operations.enumerated() {
            result = try applyOperation(operation, index: index, to: result)
        }
        return result
    }

    private static func applyOperation(_ operation: JSONValue, index: Int, to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let object = operation.objectValue, let op = object["op"]?.stringValue else {
            throw .invalidOperation(operation: index, reason: "each operation needs a string 'op'")
        }
        guard let path = object["path"]?.stringValue else {
            throw .invalidOperation(operation: index, reason: "'\(op)' needs a string 'path'")
        }
        let target = try pointerTokens(path, index: index)
        func requiredValue() throws(JSONPatchError) -> JSONValue {
            guard let value = object["value"] else {
                throw .invalidOperation(operation: index, reason: "'\(op)' needs a 'value'")
            }
            return value
        }
        func source() throws(JSONPatchError) -> (tokens: [String], value: JSONValue) {
            guard let from = object["from"]?.stringValue else {
                throw .invalidOperation(operation: index, reason: "'\(op)' needs a string 'from'")
            }
            let tokens = try pointerTokens(from, index: index)
            guard let value = lookup(tokens, in: document) else { throw .pathNotFound(operation: index, pointer: from) }
            return (tokens, value)
        }
        switch op {
        case "add":
            return try edit(document, at: target[...], pointer: path, index: index, mode: .add(try requiredValue()))
        case "remove":
            return try edit(document, at: target[...], pointer: path, index: index, mode: .remove)
        case "replace":
            return try edit(document, at: target[...], pointer: path, index: index, mode: .replace(try requiredValue()))
        case "move":
            let (fromTokens, value) = try source()
            if target.count > fromTokens.count, Array(target.prefix(fromTokens.count)) == fromTokens {
                throw .invalidOperation(operation: index, reason: "cannot move a value into one of its own children")
            }
            let removed = try edit(document, at: fromTokens[...], pointer: path, index: index, mode: .remove)
            return try edit(removed, at: target[...], pointer: path, index: index, mode: .add(value))
        case "copy":
            let (_, value) = try source()
            return try edit(document, at: target[...], pointer: path, index: index, mode: .add(value))
        case "test":
            let expected = try requiredValue()
            guard let actual = lookup(target, in: document), valuesEqual(actual, expected) else {
                throw .testFailed(operation: index, pointer: path)
            }
            return document
        default:
            throw .invalidOperation(operation: index, reason: "unknown op '\(op)'")
        }
    }

    /// Equality as RFC 6902 section 4.6 defines it for `test`: numbers by numeric value (`1.0` equals
    /// `1` and `1e0`), strings and keys by code points (not Swift's canonical equivalence), objects
    /// regardless of member order, arrays element by element.
    static func valuesEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number(let left), .number(let right)):
            if left == right { return true }
            guard let leftValue = DecimalValue(left), let rightValue = DecimalValue(right) else { return false }
            return leftValue == rightValue
        case (.string(let left), .string(let right)): return left.unicodeScalars.elementsEqual(right.unicodeScalars)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { valuesEqual($0, $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { member in
                right.contains { other in
                    other.key.unicodeScalars.elementsEqual(member.key.unicodeScalars) && valuesEqual(member.value, other.value)
                }
            }
        default: return false
        }
    }

    /// A JSON number lexeme as sign, significant digits (no leading or trailing zeros) and exponent.
    private struct DecimalValue: Equatable {
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0

        init?(_ lexeme: String) {
            let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
            var rest = Array(lexeme.utf8)[...]
            if rest.first == UInt8(ascii: "-") { negative = true; rest = rest.dropFirst() }
            var inFraction = false
            while let byte = rest.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
                rest = rest.dropFirst()
                if byte == UInt8(ascii: "."), !inFraction { inFraction = true; continue }
                guard isDigit(byte) else { return nil }
                digits.append(byte)
                if inFraction { exponent -= 1 }
            }
            guard !digits.isEmpty else { return nil }
            if !rest.isEmpty {
                rest = rest.dropFirst()
                var exponentSign = 1
                if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    exponentSign = sign == UInt8(ascii: "-") ? -1 : 1
                    rest = rest.dropFirst()
                }
                guard !rest.isEmpty, rest.count <= 18, rest.allSatisfy(isDigit),
                      let value = Int(String(decoding: rest, as: UTF8.self)) else { return nil }
                exponent += exponentSign * value
            }
            guard let first = digits.firstIndex(where: { $0 != UInt8(ascii: "0") }) else {
                (negative, digits, exponent) = (false, [], 0)  // every zero, including -0.0, is the same value
                return
            }
            digits.removeSubrange(..<first)
            while digits.last == UInt8(ascii: "0") {
                digits.removeLast()
                exponent += 1
            }
        }
    }

    /// Splits an RFC 6901 JSON Pointer into unescaped reference tokens.
    static func pointerTokens(_ pointer: String, index: Int) throws(JSONPatchError) -> [String] {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else {
            throw .invalidOperation(operation: index, reason: "pointer '\(pointer)' must start with '/'")
        }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func lookup(_ tokens: [String], in value: JSONValue) -> JSONValue? {
        var current = value
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let position = Int(token), array.indices.contains(position), token == String(position) else { return nil }
                current = array[position]
            default:
                return nil
            }
        }
        return current
    }

    private enum EditMode { case add(JSONValue), remove, replace(JSONValue) }

    private static func edit(
        _ value: JSONValue, at tokens: ArraySlice<String>, pointer: String, index: Int, mode: EditMode
    ) throws(JSONPatchError) -> JSONValue {
        guard let token = tokens.first else {
            switch mode {
            case .add(let newValue), .replace(let newValue): return newValue
            case .remove: throw .invalidOperation(operation: index, reason: "cannot remove the whole document")
            }
        }
        let rest = tokens.dropFirst()
        switch value {
        case .object(var object):
            if rest.isEmpty {
                switch mode {
                case .add(let newValue): object[token] = newValue
                case .replace(let newValue):
                    guard object[token] != nil else { throw .pathNotFound(operation: index, pointer: pointer) }
                    object[token] = newValue
                case .remove:
                    guard object[token] != nil else { throw .pathNotFound(operation: index, pointer: pointer) }
                    object[token] = nil
                }
                return .object(object)
            }
            guard let child = object[token] else { throw .pathNotFound(operation: index, pointer: pointer) }
            object[token] = try edit(child, at: rest, pointer: pointer, index: index, mode: mode)
            return .object(object)
        case .array(var array):
            if rest.isEmpty, case .add(let newValue) = mode, token == "-" {
                array.append(newValue)
                return .array(array)
            }
            guard let position = Int(token), token == String(position), position >= 0 else {
                throw .pathNotFound(operation: index, pointer: pointer)
            }
            if rest.isEmpty {
                switch mode {
                case .add(let newValue):
                    guard position <= array.count else { throw .pathNotFound(operation: index, pointer: pointer) }
                    array.insert(newValue, at: position)
                case .replace(let newValue):
                    guard position < array.count else { throw .pathNotFound(operation: index, pointer: pointer) }
                    array[position] = newValue
                case .remove:
                    guard position < array.count else { throw .pathNotFound(operation: index, pointer: pointer) }
                    array.remove(at: position)
                }
                return .array(array)
            }
            guard position < array.count else { throw .pathNotFound(operation: index, pointer: pointer) }
            array[position] = try edit(array[position], at: rest, pointer: pointer, index: index, mode: mode)
            return .array(array)
        default:
            throw .pathNotFound(operation: index, pointer: pointer)
        }
    }
}
