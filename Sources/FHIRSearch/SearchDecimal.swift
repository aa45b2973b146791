/// An exact decimal number for search, read from a FHIR `decimal`/`integer` lexeme without
/// binary floating point. Equal values are equal whatever their notation (`185`, `185.0`,
/// `1.85e2`); `description` writes plain decimal text that PostgreSQL `numeric` and
/// `Double(_:)` both read.
public struct SearchDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Exponents beyond this magnitude are refused, so that the plain text stays short.
    static let exponentLimit = 1000

    /// Whether the value is below zero (never true for zero).
    public let isNegative: Bool
    /// Significant digits (0...9) without leading or trailing zeros; empty for zero.
    private let digits: [UInt8]
    /// The value is `digits × 10^exponent`; 0 for zero.
    private let exponent: Int

    /// Parses `-?digits[.digits][(e|E)[+|-]digits]`; nil for anything else or an exponent
    /// beyond ±1000.
    public init?(_ lexeme: String) {
        guard let written = WrittenDecimal(lexeme) else { return nil }
        self.init(negative: written.isNegative, digits: written.digits, exponent: written.exponent)
    }

    /// Normalizes `digits × 10^exponent`: strips leading and trailing zeros.
    init(negative: Bool, digits: [UInt8], exponent: Int) {
        var significant = Array(digits.drop { $0 == 0 })
        var exponent = exponent
        while significant.last == 0 {
            significant.removeLast()
            exponent += 1
        }
        if significant.isEmpty {
            (isNegative, self.digits, self.exponent) = (false, [], 0)
        } else {
            (isNegative, self.digits, self.exponent) = (negative, significant, exponent)
        }
    }

    /// Plain decimal text: `-184.5`, `0.00012`, `1500`, `0`.
    public var description: String {
        guard !digits.isEmpty else { return "0" }
        var text = isNegative ? "-" : ""
        let characters = digits.map { Character(Unicode.Scalar($0 + UInt8(ascii: "0"))) }
        if exponent >= 0 {
            text += String(characters) + String(repeating: "0", count: exponent)
        } else {
            let integerDigits = characters.count + exponent
            if integerDigits > 0 {
                text += String(characters[..<integerDigits]) + "." + String(characters[integerDigits...])
            } else {
                text += "0." + String(repeating: "0", count: -integerDigits) + String(characters)
            }
        }
        return text
    }

    /// The nearest `Double` (for `float8` columns such as `value_num`).
    public var doubleValue: Double { Double(description) ?? .nan }

    public static func < (lhs: SearchDecimal, rhs: SearchDecimal) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let magnitude = compareMagnitudes(lhs, rhs)
        return lhs.isNegative ? magnitude > 0 : magnitude < 0
    }

    /// -1, 0 or 1 as the absolute values compare.
    private static func compareMagnitudes(_ lhs: SearchDecimal, _ rhs: SearchDecimal) -> Int {
        if lhs.digits.isEmpty || rhs.digits.isEmpty {
            return lhs.digits.isEmpty ? (rhs.digits.isEmpty ? 0 : -1) : 1
        }
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
}

extension SearchDecimal {
    /// This value times `tenths`/10, exactly: the bounds of the number prefix `ap`
    /// (`v − |v|/10`, `v + |v|/10`) are the value times 9/10 and 11/10.
    func timesTenths(_ tenths: UInt8) -> SearchDecimal {
        var product: [UInt8] = []
        var carry = 0
        for digit in digits.reversed() {
            let sum = Int(digit) * Int(tenths) + carry
            product.append(UInt8(sum % 10))
            carry = sum / 10
        }
        while carry > 0 {
            product.append(UInt8(carry % 10))
            carry /= 10
        }
        return SearchDecimal(negative: isNegative, digits: product.reversed(), exponent: exponent - 1)
    }
}

/// A decimal as written, keeping the precision its notation implies: `100` has its last digit
/// at 10^0, `100.00` at 10^-2, `1e2` at 10^2.
struct WrittenDecimal {
    let isNegative: Bool
    /// Every digit written before the exponent, leading zeros dropped.
    let digits: [UInt8]
    /// The place of the last written digit: the value is `digits × 10^exponent`.
    let exponent: Int

    init?(_ lexeme: String) {
        var bytes = Array(lexeme.utf8)[...]
        isNegative = bytes.first == UInt8(ascii: "-")
        if isNegative { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        let integerPart = bytes.prefix(while: isDigit)
        guard !integerPart.isEmpty else { return nil }
        bytes = bytes.dropFirst(integerPart.count)
        var fractionPart: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            fractionPart = bytes.dropFirst().prefix(while: isDigit)
            guard !fractionPart.isEmpty else { return nil }
            bytes = bytes.dropFirst(1 + fractionPart.count)
        }
        var writtenExponent = 0
        if let marker = bytes.first {
            guard marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") else { return nil }
            bytes = bytes.dropFirst()
            let negativeExponent = bytes.first == UInt8(ascii: "-")
            if negativeExponent || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard !bytes.isEmpty, bytes.count <= 5, bytes.allSatisfy(isDigit) else { return nil }
            let magnitude = bytes.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            writtenExponent = negativeExponent ? -magnitude : magnitude
        }
        exponent = writtenExponent - fractionPart.count
        guard abs(exponent) <= SearchDecimal.exponentLimit else { return nil }
        digits = (integerPart + fractionPart).map { $0 - UInt8(ascii: "0") }.drop { $0 == 0 }.map { $0 }
    }

    /// The value.
    var value: SearchDecimal { SearchDecimal(negative: isNegative, digits: digits, exponent: exponent) }

    /// `[value − ½ unit, value + ½ unit)` for a unit of the last written digit: `5.4` gives
    /// `[5.35, 5.45)`, `100` gives `[99.5, 100.5)`.
    var precisionRange: (low: SearchDecimal, high: SearchDecimal) {
        // Work one place further right, where half a unit is the integer 5.
        guard !digits.isEmpty else {
            let half = { (negative: Bool) in SearchDecimal(negative: negative, digits: [5], exponent: exponent - 1) }
            return (half(true), half(false))
        }
        let scaled = digits + [0]
        let above = SearchDecimal(negative: isNegative, digits: Self.adding5(to: scaled), exponent: exponent - 1)
        // `scaled` ends in 0 and is at least 10, so taking 5 away never goes below zero.
        let below = SearchDecimal(negative: isNegative, digits: Self.subtracting5(from: scaled), exponent: exponent - 1)
        return isNegative ? (above, below) : (below, above)
    }

    private static func adding5(to digits: [UInt8]) -> [UInt8] {
        var result = digits
        var carry: UInt8 = 5
        for index in result.indices.reversed() where carry > 0 {
            let sum = result[index] + carry
            result[index] = sum % 10
            carry = sum / 10
        }
        return carry > 0 ? [carry] + result : result
    }

    private static func subtracting5(from digits: [UInt8]) -> [UInt8] {
        var result = digits
        var borrow: UInt8 = 5
        for index in result.indices.reversed() where borrow > 0 {
            if result[index] >= borrow {
                result[index] -= borrow
                borrow = 0
            } else {
                result[index] = result[index] + 10 - borrow
                borrow = 1
            }
        }
        return result
    }
}
