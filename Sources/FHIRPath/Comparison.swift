import FHIRCore

/// FHIRPath equality (`=`), equivalence (`~`) and ordering of values. Primitive elements
/// compare as their System values; complex elements compare by their JSON.
enum Comparison {
    /// `=` on collections: nil (empty result) when either side is empty or a date comparison
    /// is undecided by precision; false when the counts differ; else item by item in order.
    static func equal(_ left: [FHIRPathValue], _ right: [FHIRPathValue]) -> Bool? {
        guard !left.isEmpty, !right.isEmpty else { return nil }
        guard left.count == right.count else { return false }
        var result: Bool? = true
        for (leftItem, rightItem) in zip(left, right) {
            switch equal(leftItem, rightItem) {
            case false?: return false
            case nil: result = nil
            case true?: break
            }
        }
        return result
    }

    /// `=` on two items.
    static func equal(_ left: FHIRPathValue, _ right: FHIRPathValue) -> Bool? {
        switch (left.primitiveValue, right.primitiveValue) {
        case (nil, nil):
            return left.node?.json == right.node?.json && left.node?.primitiveElement == right.node?.primitiveElement
                && left.node?.type == right.node?.type
        case (let leftValue?, let rightValue?):
            switch (leftValue, rightValue) {
            case (.string(let a), .string(let b)): return a == b
            case (.boolean(let a), .boolean(let b)): return a == b
            case (.time(let a), .time(let b)): return a.utf8.count == b.utf8.count ? a == b : nil
            default:
                if let a = number(leftValue), let b = number(rightValue) { return a == b }
                if let a = temporal(leftValue), let b = temporal(rightValue) { return compare(a, b).map { $0 == 0 } }
                return false
            }
        default:
            return false
        }
    }

    /// `~` on collections: same size and every item equivalent to one on the other side.
    static func equivalent(_ left: [FHIRPathValue], _ right: [FHIRPathValue]) -> Bool {
        guard left.count == right.count else { return false }
        return left.allSatisfy { item in right.contains { equivalent(item, $0) } }
    }

    private static func equivalent(_ left: FHIRPathValue, _ right: FHIRPathValue) -> Bool {
        if case .string(let a)? = left.primitiveValue, case .string(let b)? = right.primitiveValue {
            return normalized(a) == normalized(b)
        }
        return equal(left, right) == true
    }

    /// Lower case with runs of whitespace collapsed to one space and the ends trimmed.
    private static func normalized(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The sign of `left - right` for `<`, `<=`, `>`, `>=`; nil when dates of different
    /// precision overlap; an error for values that have no order between them.
    static func order(_ left: FHIRPathValue, _ right: FHIRPathValue) throws(FHIRPathEvaluationError) -> Int? {
        guard let leftValue = left.primitiveValue, let rightValue = right.primitiveValue else {
            throw FHIRPathEvaluationError("complex values cannot be ordered")
        }
        switch (leftValue, rightValue) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : (a == b ? 0 : 1)
        case (.time(let a), .time(let b)):
            guard a.utf8.count == b.utf8.count else { return nil }
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            if let a = number(leftValue), let b = number(rightValue) { return a < b ? -1 : (a == b ? 0 : 1) }
            if let a = temporal(leftValue), let b = temporal(rightValue) { return compare(a, b) }
            throw FHIRPathEvaluationError("cannot order \(leftValue) and \(rightValue)")
        }
    }

    private static func number(_ value: FHIRPathValue) -> ExactDecimal? {
        switch value {
        case .integer(let integer): ExactDecimal(integer)
        case .decimal(let lexeme): ExactDecimal(lexeme)
        default: nil
        }
    }

    /// A date or dateTime as the span it denotes and its precision (count of date-time digits,
    /// seconds and fractions of seconds counting as one precision).
    private struct Temporal {
        let range: FHIRDateRange
        let precision: Int
    }

    private static func temporal(_ value: FHIRPathValue) -> Temporal? {
        let text: String
        switch value {
        case .date(let date): text = date
        case .dateTime(let dateTime): text = dateTime
        default: return nil
        }
        guard let range = FHIRDateRange(parsing: text) else { return nil }
        let dateTimePart = text.split(separator: "T", maxSplits: 1)
        var digits = dateTimePart.first?.utf8.count(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) ?? 0
        if dateTimePart.count == 2 {
            let time = dateTimePart[1].prefix { $0 != "Z" && $0 != "+" && $0 != "-" }
            digits += time.utf8.count(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        }
        return Temporal(range: range, precision: min(digits, 14))
    }

    /// Same precision: by start. Different precision: decided only when the spans do not overlap.
    private static func compare(_ left: Temporal, _ right: Temporal) -> Int? {
        if left.precision == right.precision {
            return left.range.start < right.range.start ? -1 : (left.range.start == right.range.start ? 0 : 1)
        }
        if left.range.end <= right.range.start { return -1 }
        if right.range.end <= left.range.start { return 1 }
        return nil
    }
}
