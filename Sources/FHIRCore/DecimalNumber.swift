/// Exact numeric comparison of JSON number lexemes (`1` == `1.0` == `10e-1`), without the
/// rounding of `Double`. The query engines (JSONPath, JMESPath) compare numbers with it.
public struct DecimalNumber: Comparable, Sendable {
    public let negative: Bool
    /// Significant digits without leading or trailing zeros; empty for zero.
    public let digits: [UInt8]
    /// Value = 0.d1d2d3… × 10^exponent.
    public let exponent: Int

    /// Parses a JSON number lexeme; `nil` if it is not one.
    public init?(_ lexeme: String) {
        var bytes = Array(lexeme.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var mantissa: [UInt8] = []
        var pointOffset: Int?
        var sawDigit = false
        while let byte = bytes.first, byte == UInt8(ascii: ".") || (0x30...0x39).contains(byte) {
            bytes = bytes.dropFirst()
            if byte == UInt8(ascii: ".") {
                guard pointOffset == nil else { return nil }
                pointOffset = mantissa.count
            } else {
                sawDigit = true
                mantissa.append(byte - 0x30)
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return nil }
            for byte in bytes {
                guard (0x30...0x39).contains(byte) else { return nil }
                exponent = min(exponent * 10 + Int(byte - 0x30), 1_000_000_000)  // clamp absurd exponents
            }
            if exponentNegative { exponent = -exponent }
            bytes = []
        }
        guard bytes.isEmpty else { return nil }
        let integerDigits = pointOffset ?? mantissa.count
        guard let first = mantissa.firstIndex(where: { $0 != 0 }) else {
            self.negative = false
            self.digits = []
            self.exponent = 0
            return
        }
        let last = mantissa.lastIndex(where: { $0 != 0 }) ?? first
        self.negative = negative
        self.digits = Array(mantissa[first...last])
        self.exponent = exponent + integerDigits - first
    }

    public var isZero: Bool { digits.isEmpty }

    public static func < (lhs: DecimalNumber, rhs: DecimalNumber) -> Bool {
        if lhs.isZero || rhs.isZero || lhs.negative != rhs.negative {
            return lhs.signum < rhs.signum
        }
        let magnitudeLess = lhs.exponent != rhs.exponent
            ? lhs.exponent < rhs.exponent
            : lhs.digits.lexicographicallyPrecedes(rhs.digits)
        let magnitudeEqual = lhs.exponent == rhs.exponent && lhs.digits == rhs.digits
        if magnitudeEqual { return false }
        return lhs.negative ? !magnitudeLess : magnitudeLess
    }

    private var signum: Int { isZero ? 0 : (negative ? -1 : 1) }
}

extension JSONValue {
    /// The number as an exact decimal, for numeric comparison.
    public var decimal: DecimalNumber? {
        guard case .number(let lexeme) = self else { return nil }
        return DecimalNumber(lexeme)
    }
}
