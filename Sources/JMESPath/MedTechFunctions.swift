import Foundation
import FHIRCore

/// MedTech's custom functions (iomt-fhir `Microsoft.Health.Expressions`; SPEC §1.8).
///
/// Numbers follow Json.NET's reader: a lexeme with `.`, `e` or `E` is a float, anything else an
/// integer. Integer arithmetic is 64-bit; float results are written with the shortest digits that
/// round-trip and always look like floats (`4.0`), so a later function still treats them as floats.
/// Results JSON cannot hold (NaN, infinities) are `invalid-value` errors.
enum MedTechFunctions {
    static let all = [add, subtract, multiply, divide, pow, insertString, fromUnixTimestamp, fromUnixTimestampMs]

    /// Either float: double sum; both integers: Int64 sum, wrapping on overflow as .NET does.
    static let add = arithmetic("add", integer: { $0 &+ $1 }, float: +)
    static let subtract = arithmetic("subtract", integer: { $0 &- $1 }, float: -)
    static let multiply = arithmetic("multiply", integer: { $0 &* $1 }, float: *)

    /// Either float: double division. Both integers: exact quotients stay integers (`100/25` is
    /// `4`), inexact ones become doubles (`40/50` is `0.8`, as MedTech documents); ÷0 is an error.
    static let divide = JMESPathFunction("divide", [.number, .number]) { arguments, _ throws(JMESPathError) in
        let function = "divide"
        let (left, right) = try operands(arguments, function: function)
        if let dividend = left.integer, let divisor = right.integer {
            guard divisor != 0 else { throw JMESPathError(kind: .invalidValue, message: "divide(): divide by zero") }
            guard !(dividend == .min && divisor == -1) else { throw overflow(function) }
            if dividend % divisor == 0 { return JMESPathNumber.lexeme(dividend / divisor) }
            return try float(Double(dividend) / Double(divisor), function: function)
        }
        return try float(left.double / right.double, function: function)
    }

    /// Either float: `Math.Pow`. Both integers: the exact power, an error when it leaves Int64;
    /// negative exponents round to the nearest integer like .NET's `Convert.ToInt64`.
    static let pow = JMESPathFunction("pow", [.number, .number]) { arguments, _ throws(JMESPathError) in
        let (left, right) = try operands(arguments, function: "pow")
        guard let base = left.integer, let exponent = right.integer else {
            return try float(Foundation.pow(left.double, right.double), function: "pow")
        }
        return JMESPathNumber.lexeme(try integerPower(base, exponent))
    }

    static func integerPower(_ base: Int64, _ exponent: Int64) throws(JMESPathError) -> Int64 {
        switch (base, exponent) {
        case (_, 0), (1, _): return 1
        case (-1, _): return exponent % 2 == 0 ? 1 : -1
        case (0, _): if exponent > 0 { return 0 } else { throw overflow("pow") }  // 0^-n is infinite
        case (_, ..<0): return 0  // |base| ≥ 2: |result| ≤ 0.5 rounds (to even) to 0
        default:
            var result: Int64 = 1
            for _ in 0..<min(exponent, 64) {
                let (product, overflowed) = result.multipliedReportingOverflow(by: base)
                if overflowed { throw overflow("pow") }
                result = product
            }
            return result
        }
    }

    /// Inserts `toInsert` before the Unicode scalar at zero-based `position`
    /// (0…length(original)); other positions are `invalid-value` errors.
    static let insertString = JMESPathFunction(
        "insertString", [.string, .string, .integer]
    ) { arguments, _ throws(JMESPathError) in
        guard case .string(let original) = arguments[0].value, case .string(let toInsert) = arguments[1].value,
              case .number(let lexeme) = arguments[2].value else { return .null }
        var scalars = Array(original.unicodeScalars)
        guard let position = Int(lexeme), position >= 0, position <= scalars.count else {
            throw JMESPathError(
                kind: .invalidValue, message: "insertString(): position \(lexeme) is out of range 0…\(scalars.count)")
        }
        scalars.insert(contentsOf: toInsert.unicodeScalars, at: position)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return .string(String(view))
    }

    /// Seconds since 1970-01-01T00:00:00Z → `"2021-07-07T17:00:00Z"`.
    static let fromUnixTimestamp = JMESPathFunction("fromUnixTimestamp", [.integer]) { arguments, _ throws(JMESPathError) in
        try timestamp(arguments, unit: 1000, function: "fromUnixTimestamp")
    }

    /// Milliseconds since the epoch → `"2021-07-20T16:38:00Z"`, or `"…00.123Z"` with a fraction.
    static let fromUnixTimestampMs = JMESPathFunction("fromUnixTimestampMs", [.integer]) { arguments, _ throws(JMESPathError) in
        try timestamp(arguments, unit: 1, function: "fromUnixTimestampMs")
    }

    /// .NET's `DateTimeOffset` range: years 0001 to 9999.
    private static let timestampRange: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999

    private static func timestamp(
        _ arguments: [FunctionArgument], unit: Int64, function: String
    ) throws(JMESPathError) -> JSONValue {
        guard case .number(let lexeme) = arguments[0].value else { return .null }
        let (milliseconds, overflowed) = (Int64(lexeme) ?? .max).multipliedReportingOverflow(by: unit)
        guard !overflowed, timestampRange.contains(milliseconds) else {
            throw JMESPathError(kind: .invalidValue, message: "\(function)(): \(lexeme) is outside years 0001–9999")
        }
        let text = FHIRInstant(millisecondsSince1970: milliseconds).fhirString
        return .string(text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text)
    }

    // MARK: - Shared arithmetic

    /// An operand: its Int64 value when it is an integer lexeme, and its double value.
    private struct Operand {
        let integer: Int64?
        let double: Double
    }

    private static func operands(_ arguments: [FunctionArgument], function: String) throws(JMESPathError) -> (Operand, Operand) {
        let left = try operand(arguments[0].value, function: function)
        let right = try operand(arguments[1].value, function: function)
        if left.integer == nil || right.integer == nil {  // float arithmetic for both
            return (Operand(integer: nil, double: left.double), Operand(integer: nil, double: right.double))
        }
        return (left, right)
    }

    private static func operand(_ value: JSONValue, function: String) throws(JMESPathError) -> Operand {
        guard case .number(let lexeme) = value, let double = Double(lexeme) else {
            throw JMESPathError(kind: .invalidType, message: "\(function)(): expected a number")
        }
        guard JMESPathNumber.isIntegerLexeme(lexeme) else { return Operand(integer: nil, double: double) }
        guard let integer = Int64(lexeme) else {
            throw JMESPathError(kind: .invalidValue, message: "\(function)(): \(lexeme) does not fit a 64-bit integer")
        }
        return Operand(integer: integer, double: double)
    }

    private static func arithmetic(
        _ name: String,
        integer: @escaping @Sendable (Int64, Int64) -> Int64,
        float: @escaping @Sendable (Double, Double) -> Double
    ) -> JMESPathFunction {
        JMESPathFunction(name, [.number, .number]) { arguments, _ throws(JMESPathError) in
            let (left, right) = try operands(arguments, function: name)
            if let lhs = left.integer, let rhs = right.integer { return JMESPathNumber.lexeme(integer(lhs, rhs)) }
            return try Self.float(float(left.double, right.double), function: name)
        }
    }

    private static func float(_ value: Double, function: String) throws(JMESPathError) -> JSONValue {
        guard let lexeme = JMESPathNumber.lexeme(value) else {
            throw JMESPathError(kind: .invalidValue, message: "\(function)(): the result is not a finite number")
        }
        return lexeme
    }

    private static func overflow(_ function: String) -> JMESPathError {
        JMESPathError(kind: .invalidValue, message: "\(function)(): arithmetic overflow")
    }
}
