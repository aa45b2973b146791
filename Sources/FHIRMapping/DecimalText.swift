import Foundation

/// Plain decimal strings as .NET's invariant `decimal.Parse` accepts them (no exponent).
enum DecimalText {
    /// `text` as a JSON number lexeme (sign kept except `+`, leading zeros dropped), or `nil`
    /// when it is not a plain decimal such as `"NaN"` or `"1e3"`.
    static func jsonLexeme(_ text: String) -> String? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts.first ?? ""
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).allSatisfy(\.isASCIIDigit) else { return nil }
        let digits = whole.drop { $0 == "0" }
        var lexeme = (negative ? "-" : "") + (digits.isEmpty ? "0" : String(digits))
        if !fraction.isEmpty { lexeme += "." + fraction }
        return lexeme
    }

    /// A millisecond count (a JSON number lexeme) in 100 ns ticks, if it is a whole number of ticks.
    static func ticks(milliseconds lexeme: String) -> Int64? {
        guard let plain = jsonLexeme(lexeme), !plain.hasPrefix("-") else { return nil }
        let parts = plain.split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let significant = fraction.reversed().drop { $0 == "0" }.reversed()
        guard significant.count <= 4, let whole = Int64(parts[0]), whole < Int64.max / 10_000_000 else { return nil }
        let padded = String(significant) + String(repeating: "0", count: 4 - significant.count)
        return whole * 10_000 + (Int64(padded) ?? 0)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
