import FHIRCore

/// JMESPath's view of JSON values: equality, truthiness, ordering and type names.
enum JSONSemantics {
    /// Deep equality: numbers by value, strings by Unicode scalars, objects ignoring member order.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number, .number): return lhs.decimal == rhs.decimal
        case (.string(let left), .string(let right)): return left.utf8.elementsEqual(right.utf8)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { entry in
                guard let other = right.members.first(where: { $0.key.utf8.elementsEqual(entry.key.utf8) }) else {
                    return false
                }
                return equal(entry.value, other.value)
            }
        default: return false
        }
    }

    /// False for `null`, `false`, `""`, `[]` and `{}`; true for everything else, including `0`.
    static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .string(let text): !text.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object(let object): !object.isEmpty
        case .number: true
        }
    }

    /// Order of two numbers or two strings (strings by code point); `nil` for anything else.
    static func less(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool? {
        switch (lhs, rhs) {
        case (.number, .number):
            guard let left = lhs.decimal, let right = rhs.decimal else { return nil }
            return left < right
        case (.string(let left), .string(let right)):
            return left.unicodeScalars.lexicographicallyPrecedes(right.unicodeScalars) { $0.value < $1.value }
        default:
            return nil
        }
    }

    /// The JMESPath type name (`type()`).
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
