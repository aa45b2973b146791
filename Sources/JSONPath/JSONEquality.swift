import FHIRCore

/// Value comparisons both dialects need: strings compare by Unicode scalars (Swift's `==`
/// would treat canonically equivalent strings as equal), numbers by value.
enum JSONEquality {
    static func sameString(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// Scalar-value order, as RFC 9535 §2.3.5.2.2 requires for `<`.
    static func stringLess(_ lhs: String, _ rhs: String) -> Bool {
        lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars) { $0.value < $1.value }
    }

    static func numbersEqual(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = DecimalNumber(lhs), let right = DecimalNumber(rhs) else { return lhs == rhs }
        return left == right
    }

    /// Deep equality: arrays in order, objects ignoring member order, numbers by value.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number(let left), .number(let right)): return numbersEqual(left, right)
        case (.string(let left), .string(let right)): return sameString(left, right)
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { entry in
                guard let other = member(named: entry.key, in: right) else { return false }
                return equal(entry.value, other)
            }
        default: return false
        }
    }

    /// The member whose key has exactly these scalars.
    static func member(named name: String, in object: JSONObject) -> JSONValue? {
        object.members.first(where: { sameString($0.key, name) })?.value
    }
}
