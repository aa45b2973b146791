import FHIRCore
import Foundation

/// The comparisons of the store's SQL search (`SearchSQLBuilder.valueCondition`), applied to
/// the index rows a resource's entries become (`SearchIndexRows`).
extension SearchMatcher {
    /// Whether `row` meets one search value (an alternative of a parameter, or a composite's part).
    static func satisfies(_ row: IndexRow, _ value: SearchMatchValue, modifier: SearchModifier?) -> Bool {
        switch (value, row) {
        case (.token(let system, let code), .token(let kind, let rowSystem, let rowCode)):
            let wanted: IndexRow.TokenKind = switch modifier {
            case .text: .text
            case .ofType: .identifierOfType
            case .identifier: .referenceIdentifier
            default: .code
            }
            guard kind == wanted else { return false }
            if modifier == .text { return rowCode.utf8.starts(with: (code ?? "").utf8) }
            switch system {
            case .none: break
            case .some(.none): if rowSystem != nil { return false }
            case .some(.some(let system)): if !same(rowSystem, system) { return false }
            }
            return code.map { same(rowCode, $0) } ?? true
        case (.string(let text), .string(let string)):
            switch modifier {
            case .exact: return same(string.original, text)
            case .contains: return Array(string.normalized.utf8).firstRange(of: Array(text.utf8)) != nil
            default: return string.normalized.utf8.starts(with: text.utf8)
            }
        case (.date(let prefix, let range), .date(let low, let high)):
            return dateMatches(prefix, range, low: low, high: high)
        case (.number(let prefix, let number), .number(let low, let high)):
            return numberMatches(prefix, number, low: low, high: high)
        case (.quantity(let prefix, let number, let system, let code), .quantity(let rowSystem, let rowCode, let unit, let low, let high)):
            guard numberMatches(prefix, number, low: low, high: high) else { return false }
            if let system, !same(rowSystem, system) { return false }
            guard let code else { return true }
            return same(rowCode, code) || (system == nil && same(unit, code))
        case (.reference(let type, let id, let url, _), .reference(let rowType, let rowId, let rowURL)):
            if let url { return same(rowURL, url) }
            guard id != nil || type != nil else { return false }
            return (id.map { same(rowId, $0) } ?? true) && (type.map { same(rowType, $0) } ?? true)
        case (.uri(let uri), .uri(let rowURI)):
            switch modifier {
            case .above: return uri.utf8.starts(with: rowURI.utf8)
            case .below: return rowURI.utf8.starts(with: uri.utf8)
            default: return same(rowURI, uri)
            }
        default:
            // A value of another type than the row: the SQL reads another table.
            return false
        }
    }

    /// A date prefix over a row's `[low, high)` against the search range, as `dateCondition`.
    static func dateMatches(_ prefix: SearchPrefix, _ range: SearchDateRange, low: Bound<FHIRInstant>, high: Bound<FHIRInstant>) -> Bool {
        let searchLow = Bound.lower(range.low), searchHigh = Bound.upper(range.high)
        switch prefix {
        case .eq: return low >= searchLow && high <= searchHigh
        case .ne: return !(low >= searchLow && high <= searchHigh)
        case .gt: return high > searchHigh
        case .lt: return low < searchLow
        case .ge: return high > searchLow
        case .le: return low < searchHigh
        case .sa: return low >= searchHigh
        case .eb: return high <= searchLow
        case .ap:
            // The search range widened by a tenth of its start's distance from now.
            let now = Date().timeIntervalSince1970 * 1000
            let start = Double(range.low?.millisecondsSince1970 ?? Int64(now))
            let slack = Int64(abs(now - start) / 10)
            let widenedLow = Bound.lower(range.low.map { FHIRInstant(millisecondsSince1970: $0.millisecondsSince1970 - slack) })
            let widenedHigh = Bound.upper(range.high.map { FHIRInstant(millisecondsSince1970: $0.millisecondsSince1970 + slack) })
            return low < widenedHigh && high > widenedLow
        }
    }

    /// A date prefix over an instant (`_lastUpdated`), as `instantCondition`.
    static func instantMatches(_ prefix: SearchPrefix, _ range: SearchDateRange, _ instant: FHIRInstant) -> Bool {
        let point = Bound.finite(instant)
        let searchLow = Bound.lower(range.low), searchHigh = Bound.upper(range.high)
        switch prefix {
        case .eq: return point >= searchLow && point < searchHigh
        case .ne: return !(point >= searchLow && point < searchHigh)
        case .gt, .sa: return point >= searchHigh
        case .lt, .eb: return point < searchLow
        case .ge: return point >= searchLow
        case .le: return point < searchHigh
        case .ap: return dateMatches(.ap, range, low: point, high: point)
        }
    }

    /// A number prefix over a row's inclusive `[low, high]`, as `numberCondition`.
    static func numberMatches(_ prefix: SearchPrefix, _ number: SearchNumber, low: Bound<SearchDecimal>, high: Bound<SearchDecimal>) -> Bool {
        let exact = number.value ?? number.low ?? SearchDecimal(negative: false, digits: [], exponent: 0)
        let value = Bound.finite(exact)
        switch prefix {
        case .eq, .ne:
            let inRange = low >= .finite(number.low ?? exact) && high < .finite(number.high ?? exact)
            return inRange == (prefix == .eq)
        case .gt: return high > value
        case .lt: return low < value
        case .ge: return high >= value
        case .le: return low <= value
        case .sa: return low > value
        case .eb: return high < value
        case .ap:
            // v ∓ |v|/10 are v×9/10 and v×11/10, in the order the sign gives.
            let (nine, eleven) = (exact.timesTenths(9), exact.timesTenths(11))
            return high >= .finite(min(nine, eleven)) && low <= .finite(max(nine, eleven))
        }
    }

    /// Text equality as PostgreSQL compares it: byte for byte. A NULL column (nil) equals nothing.
    static func same(_ column: String?, _ value: String) -> Bool {
        column.map { $0.utf8.elementsEqual(value.utf8) } ?? false
    }
}

/// A bound of an index row or search range; a missing bound is stored as ±infinity, which
/// compares beyond every value and equal to itself, as in PostgreSQL.
enum Bound<Value: Comparable>: Comparable {
    case minusInfinity
    case finite(Value)
    case plusInfinity

    static func lower(_ value: Value?) -> Bound { value.map(Bound.finite) ?? .minusInfinity }
    static func upper(_ value: Value?) -> Bound { value.map(Bound.finite) ?? .plusInfinity }
}

/// The row `SearchIndexRows` stores for one search value, in the columns search compares.
/// Optional columns are nil where the row holds NULL (`nullif(…, '')`).
enum IndexRow {
    /// `sp_token`'s `kind` column.
    enum TokenKind {
        /// `t`: a token of a token (or composite) parameter.
        case code
        /// `i`: a `Reference.identifier` of a reference parameter.
        case referenceIdentifier
        /// `x`: normalized text for `:text`.
        case text
        /// `o`: `typeSystem|typeCode` and value for `:of-type`.
        case identifierOfType
    }

    case token(TokenKind, system: String?, code: String)
    case string(SearchString)
    case date(low: Bound<FHIRInstant>, high: Bound<FHIRInstant>)
    case number(low: Bound<SearchDecimal>, high: Bound<SearchDecimal>)
    case quantity(system: String?, code: String?, unit: String?, low: Bound<SearchDecimal>, high: Bound<SearchDecimal>)
    case reference(type: String?, id: String?, url: String?)
    case uri(String)

    /// Nil where no row is stored: a token without a code, a contained reference, a composite
    /// (whose parts are rows of their own).
    init?(_ value: SearchValue, isReferenceParameter: Bool) {
        switch value {
        case .token(let system, let code, _):
            guard !code.isEmpty else { return nil }
            self = .token(isReferenceParameter ? .referenceIdentifier : .code, system: Self.nonEmpty(system), code: code)
        case .text(let text):
            self = .token(.text, system: nil, code: text.normalized)
        case .identifierOfType(let typeSystem, let typeCode, let value):
            self = .token(.identifierOfType, system: "\(typeSystem ?? "")|\(typeCode)", code: value)
        case .string(let text):
            self = .string(text)
        case .date(let range):
            self = .date(low: .lower(range.low), high: .upper(range.high))
        case .number(let number):
            let (low, high) = Self.bounds(number)
            self = .number(low: low, high: high)
        case .quantity(let quantity):
            let (low, high) = Self.bounds(quantity.number)
            self = .quantity(system: Self.nonEmpty(quantity.system), code: Self.nonEmpty(quantity.code),
                             unit: Self.nonEmpty(quantity.unit), low: low, high: high)
        case .reference(.relative(let type, let id, _)):
            self = .reference(type: Self.nonEmpty(type), id: Self.nonEmpty(id), url: nil)
        case .reference(.url(let url, let type, let id, _)):
            self = .reference(type: Self.nonEmpty(type), id: Self.nonEmpty(id), url: Self.nonEmpty(url))
        case .reference(.canonical(let url, _)):
            self = .reference(type: nil, id: nil, url: Self.nonEmpty(url))
        case .reference(.contained), .composite:
            return nil
        case .uri(let uri, _):
            self = .uri(uri)
        }
    }

    /// The parameter type whose index table holds the row.
    var table: SearchParameterType {
        switch self {
        case .token: .token
        case .string: .string
        case .date: .date
        case .number: .number
        case .quantity: .quantity
        case .reference: .reference
        case .uri: .uri
        }
    }

    /// The exact value twice, or a range's bounds (unbounded when open).
    private static func bounds(_ number: SearchNumber) -> (Bound<SearchDecimal>, Bound<SearchDecimal>) {
        if let value = number.value { return (.finite(value), .finite(value)) }
        return (.lower(number.low), .upper(number.high))
    }

    private static func nonEmpty(_ text: String?) -> String? {
        text.flatMap { $0.isEmpty ? nil : $0 }
    }
}
