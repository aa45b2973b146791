/// A decimal read from its lexeme (`-1.50`, `12`, `1.0E+3`) for exact comparison, without
/// going through binary floating point.
struct ExactDecimal: Comparable {
    private var negative = false
    /// Significant digits without leading or trailing zeros; empty for zero.
    private var digits: [UInt8] = []
    /// The value is `digits × 10^exponent`.
    private var exponent = 0

    init?(_ lexeme: String) {
        var rest = Array(lexeme.utf8)[...]
        if rest.first == UInt8(ascii: "-") || rest.first == UInt8(ascii: "+") {
            negative = rest.first == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        var inFraction = false
        var sawDigit = false
        while let byte = rest.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            sawDigit = true
            if byte != UInt8(ascii: "0") || !digits.isEmpty { digits.append(byte - UInt8(ascii: "0")) }
            if inFraction { exponent -= 1 }
        }
        guard sawDigit else { return nil }
        if !rest.isEmpty {
            let text = String(decoding: rest.dropFirst(), as: UTF8.self)
            guard text.utf8.count <= 10, let value = Int(text) else { return nil }
            exponent += value
        }
        while digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { (negative, exponent) = (false, 0) }
    }

    init(_ integer: Int) {
        negative = integer < 0
        digits = String(integer.magnitude).utf8.map { $0 - UInt8(ascii: "0") }
        while digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { exponent = 0 }
    }

    /// -1, 0 or 1 as the magnitudes compare.
    private static func compareMagnitude(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Int {
        if lhs.digits.isEmpty || rhs.digits.isEmpty { return lhs.digits.isEmpty ? (rhs.digits.isEmpty ? 0 : -1) : 1 }
        let lhsScale = lhs.digits.count + lhs.exponent
        let rhsScale = rhs.digits.count + rhs.exponent
        if lhsScale != rhsScale { return lhsScale < rhsScale ? -1 : 1 }
        for index in 0..<max(lhs.digits.count, rhs.digits.count) {
            let left = index < lhs.digits.count ? lhs.digits[index] : 0
            let right = index < rhs.digits.count ? rhs.digits[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }

    static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.negative != rhs.negative { return lhs.negative }
        let magnitude = compareMagnitude(lhs, rhs)
        return lhs.negative ? magnitude > 0 : magnitude < 0
    }
}
