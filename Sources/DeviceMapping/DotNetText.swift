import FHIRCore

/// Renders extracted JSON values as strings the way MedTech does (Json.NET `Value<string>()`,
/// invariant culture, .NET Core number formatting; SPEC §1.4 step 6).
enum DotNetText {
    /// The string form of `value`; `nil` for `null`, objects and arrays, which have none.
    static func render(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "True" : "False"
        case .number(let lexeme): number(lexeme)
        case .null, .array, .object: nil
        }
    }

    /// Json.NET reads a lexeme without `.`/`e`/`E` as an integer (printed in full) and any
    /// other as a `Double` (printed like .NET's `double.ToString()`).
    static func number(_ lexeme: String) -> String {
        if !lexeme.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return Int64(lexeme).map(String.init) ?? lexeme  // beyond Int64: BigInteger, as written
        }
        guard let value = Double(lexeme), value.isFinite else { return lexeme }
        return double(value)
    }

    /// .NET Core 3.0+ `double.ToString()`: the shortest digits that round-trip, in fixed notation
    /// unless the decimal exponent is ≥ 15 or < −4 (`1E+15`, `1E-05`).
    static func double(_ value: Double) -> String {
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description also prints the shortest round-trip digits: "1.5", "1e-05", "72.0".
        let text = Swift.abs(value).description
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts.first.map(String.init) ?? text
        let integerDigits = mantissa.prefix { $0 != "." }
        var digits = Array(mantissa.filter { $0 != "." })
        var pointPosition = integerDigits.count + exponent  // digits before the decimal point
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        guard !digits.isEmpty else { return sign + "0" }
        if pointPosition > 15 || pointPosition < -3 {
            let scientific = pointPosition - 1
            let fraction = digits.count > 1 ? "." + String(digits.dropFirst()) : ""
            let magnitude = String(Swift.abs(scientific))
            return sign + String(digits[0]) + fraction + (scientific < 0 ? "E-" : "E+")
                + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count)
        }
        return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }
}
