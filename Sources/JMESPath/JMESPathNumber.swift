import FHIRCore

/// Conversions between number lexemes and machine numbers.
enum JMESPathNumber {
    /// Json.NET's reader makes a number with `.`, `e` or `E` a float; anything else an integer.
    static func isIntegerLexeme(_ lexeme: String) -> Bool {
        !lexeme.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    }

    /// The lexeme as an `Int64`, if it is an integer lexeme in range.
    static func int64(_ lexeme: String) -> Int64? {
        isIntegerLexeme(lexeme) ? Int64(lexeme) : nil
    }


    static func lexeme(_ value: Int64) -> JSONValue { .number(String(value)) }

    /// A double as a JSON lexeme: shortest round-trip digits, always marked as a float
    /// (`4.0`, `0.8`, `1e+16`) so a later MedTech function still sees a float. `nil` for NaN and
    /// infinities, which JSON cannot hold.
    static func lexeme(_ value: Double) -> JSONValue? {
        guard value.isFinite else { return nil }
        return .number(value.description)
    }

    /// An integral double as an integer lexeme when it fits `Int64` (`ceil(1.5)` is `2`).
    static func integerLexeme(_ value: Double) -> JSONValue? {
        guard value.isFinite else { return nil }
        if abs(value) < 9.2e18 { return .number(String(Int64(value))) }
        return .number(value.description)
    }
}

extension JSONValue {
    /// The number as a `Double` (JMESPath arithmetic functions work in doubles).
    var double: Double? {
        guard case .number(let lexeme) = self else { return nil }
        return Double(lexeme)
    }
}
