import FHIRCore
import Foundation

/// The normalizations indexing applies, for the query side to apply to search parameters the
/// same way.
public enum SearchValueNormalizer {
    /// The form string search compares: case folded and accents removed (`Müller` → `muller`,
    /// `ÉLODIE` → `elodie`). Nothing else changes: whitespace and punctuation stay.
    public static func normalizeString(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: folding is lower-casing.
            return String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
        }
        return text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// A number and the range its precision implies: half a unit of its last written digit
    /// either side, low inclusive and high exclusive (`5.4` → `[5.35, 5.45)`, `100` →
    /// `[99.5, 100.5)`, `100.00` → `[99.995, 100.005)`, `1e2` → `[50, 150)`). Nil when the
    /// text is not a decimal (`-?digits[.digits][e[±]digits]`).
    public static func number(_ lexeme: String) -> SearchNumber? {
        guard let written = WrittenDecimal(lexeme) else { return nil }
        let range = written.precisionRange
        return SearchNumber(lexeme: lexeme, low: range.low, high: range.high)
    }

    /// The span a `date`, `dateTime` or `instant` denotes by its precision (`1974-12-25` is
    /// that whole day, UTC when no zone is given). Nil when the text is not such a value.
    public static func dateRange(_ text: String) -> SearchDateRange? {
        guard let range = FHIRDateRange(parsing: text) else { return nil }
        return SearchDateRange(low: range.start, high: range.end)
    }
}
