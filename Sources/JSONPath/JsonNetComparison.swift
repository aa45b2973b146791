import Foundation
import FHIRCore

/// Json.NET's `BooleanQueryExpression.MatchTokens` and `JValue.CompareTo`, for JSON values.
/// Where Json.NET would throw during evaluation (e.g. `@.n > 'abc'` with a number `n`), the
/// comparison is simply false.
enum JsonNetComparison {
    static func matches(_ test: JsonNetTest, _ left: JSONValue, _ right: JSONValue) -> Bool {
        guard isPrimitive(left), isPrimitive(right) else {
            return test.comparison == .exists || test.comparison == .notEqual
        }
        switch test.comparison {
        case .exists: return true
        case .equal, .strictEqual: return equal(left, right)
        case .notEqual, .strictNotEqual: return !equal(left, right)
        case .regex:
            guard case .string(let subject) = left, case .string(let source) = right else { return false }
            let regex = test.literalRegex ?? JsonNetRegex.compile(source)
            return regex?.matches(subject) ?? false
        case .less: return order(left, right).map { $0 < 0 } ?? false
        case .lessOrEqual: return order(left, right).map { $0 <= 0 } ?? false
        case .greater: return order(left, right).map { $0 > 0 } ?? false
        case .greaterOrEqual: return order(left, right).map { $0 >= 0 } ?? false
        }
    }

    private static func isPrimitive(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: false
        default: true
        }
    }

    /// Same JSON type and equal; integers and floats compare by value; no string coercion.
    static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let lhs), .bool(let rhs)): return lhs == rhs
        case (.number(let lhs), .number(let rhs)): return JSONEquality.numbersEqual(lhs, rhs)
        case (.string(let lhs), .string(let rhs)): return JSONEquality.sameString(lhs, rhs)
        default: return false
        }
    }

    /// `JValue.CompareTo`: null sorts first; otherwise the left type decides (the right type when
    /// the left is a string and the right is not), and the other side is converted to it.
    static func order(_ left: JSONValue, _ right: JSONValue) -> Int? {
        if case .null = right { return left == .null ? 0 : 1 }
        if case .null = left { return -1 }
        var governing = left
        if case .string = left, !isString(right) { governing = right }
        switch governing {
        case .number(let lexeme):
            let integer = JsonNetNumber.isInteger(lexeme)
            guard let lhs = JsonNetNumber.decimal(left, integer: integer),
                  let rhs = JsonNetNumber.decimal(right, integer: integer) else { return nil }
            return lhs < rhs ? -1 : (lhs == rhs ? 0 : 1)
        case .bool:
            guard let lhs = boolean(left), let rhs = boolean(right) else { return nil }
            return lhs == rhs ? 0 : (lhs ? 1 : -1)
        case .string:
            guard case .string(let lhs) = left, case .string(let rhs) = right else { return nil }
            if lhs.utf16.elementsEqual(rhs.utf16) { return 0 }
            return lhs.utf16.lexicographicallyPrecedes(rhs.utf16) ? -1 : 1
        default:
            return nil
        }
    }

    private static func isString(_ value: JSONValue) -> Bool {
        if case .string = value { return true }
        return false
    }

    /// `Convert.ToBoolean`: numbers are true when non-zero; strings must read "true" or "false".
    private static func boolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .number: return value.decimal.map { !$0.isZero }
        case .string(let text):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }
}

/// Json.NET number handling: literals, and the integer/float distinction of its reader
/// (a number written with `.`, `e` or `E` is a float).
enum JsonNetNumber {
    static func isInteger(_ lexeme: String) -> Bool {
        !lexeme.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }

    /// A filter literal: Int64 when it has no `.`/`e`/`E`, else a double; `nil` if unreadable.
    static func literal(_ text: String) -> JSONValue? {
        if isInteger(text) { return Int64(text).map { .number(String($0)) } }
        guard isFloatText(text), let value = Double(text), value.isFinite else { return .none }
        return .number(value.description)
    }

    /// A value converted to a number the way `Convert.ToInt64` / `Convert.ToDouble` would.
    static func decimal(_ value: JSONValue, integer: Bool) -> DecimalNumber? {
        switch value {
        case .number: return value.decimal
        case .bool(let flag): return DecimalNumber(flag ? "1" : "0")
        case .string(let text):
            var trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("+") { trimmed.removeFirst() }
            if integer { return Int64(trimmed).flatMap { DecimalNumber(String($0)) } }
            guard isFloatText(trimmed) else { return nil }
            return DecimalNumber(trimmed)
        default: return nil
        }
    }

    /// Digits with an optional sign, point and exponent (what `double.Parse` reads, less
    /// thousands separators and the named infinities).
    private static func isFloatText(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "-" { scalars = scalars.dropFirst() }
        var digits = 0
        while let first = scalars.first, ("0"..."9").contains(first) || first == "." {
            if first != "." { digits += 1 }
            scalars = scalars.dropFirst()
        }
        guard digits > 0, text.filter({ $0 == "." }).count <= 1 else { return false }
        if let marker = scalars.first, marker == "e" || marker == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
            guard !scalars.isEmpty, scalars.allSatisfy({ ("0"..."9").contains($0) }) else { return false }
            return true
        }
        return scalars.isEmpty
    }
}

/// `=~ /pattern/flags` with .NET's flags `i`, `m`, `s` (and `x`, explicit capture, which does
/// not change whether a pattern matches). The pattern runs on ICU, which reads .NET syntax
/// for everything templates use.
enum JsonNetRegex {
    static func compile(_ source: String) -> CompiledRegex? {
        guard source.hasPrefix("/"), let close = source.lastIndex(of: "/"), close > source.startIndex else { return nil }
        let pattern = String(source[source.index(after: source.startIndex)..<close])
        var options: NSRegularExpression.Options = []
        for flag in source[source.index(after: close)...] {
            switch flag {
            case "i": options.insert(.caseInsensitive)
            case "m": options.insert(.anchorsMatchLines)
            case "s": options.insert(.dotMatchesLineSeparators)
            default: break
            }
        }
        return CompiledRegex(icuPattern: pattern, options: options)
    }
}
