import FHIRCore
import FHIRPath

/// Number and quantity: decimals and integers with their precision range, Quantity and its
/// specializations, Money, and Range.
extension SearchValueExtractor {
    /// The types read as a Quantity (`SimpleQuantity` and `MoneyQuantity` arrive as `Quantity`).
    private static let quantityTypes: Set<String> = ["Quantity", "Age", "Duration", "Count", "Distance"]

    func numbers(_ item: FHIRPathValue) -> [SearchNumber] {
        if let (type, object) = Self.complex(item) {
            return type == "Range" ? Self.range(object).map { [$0.number] } ?? [] : []
        }
        if case .node(let node) = item, let lexeme = node.json.numberLexeme {
            return SearchValueNormalizer.number(lexeme).map { [$0] } ?? []
        }
        switch item.primitiveValue {
        case .integer(let integer)?: return SearchValueNormalizer.number(String(integer)).map { [$0] } ?? []
        case .decimal(let lexeme)?: return SearchValueNormalizer.number(lexeme).map { [$0] } ?? []
        default: return []
        }
    }

    func quantities(_ item: FHIRPathValue) -> [SearchQuantity] {
        guard let (type, object) = Self.complex(item), let type else { return [] }
        let quantity: SearchQuantity?
        if Self.quantityTypes.contains(type) {
            quantity = Self.quantity(object)
        } else if type == "Money" {
            quantity = object["value"]?.numberLexeme.flatMap(SearchValueNormalizer.number).map { number in
                SearchQuantity(number: number, system: "urn:iso:std:iso:4217", code: object["currency"]?.stringValue, unit: nil)
            }
        } else if type == "Range" {
            quantity = Self.range(object).map { range in
                let unit = range.unitSource
                return SearchQuantity(number: range.number, system: unit?["system"]?.stringValue,
                                      code: unit?["code"]?.stringValue, unit: unit?["unit"]?.stringValue)
            }
        } else {
            quantity = nil
        }
        return quantity.map { [$0] } ?? []
    }

    /// A Quantity; a comparator (`<`, `>=`, ...) leaves the value's far side unbounded.
    private static func quantity(_ object: JSONObject) -> SearchQuantity? {
        guard let exact = object["value"]?.numberLexeme.flatMap(SearchValueNormalizer.number) else { return nil }
        let number: SearchNumber
        switch object["comparator"]?.stringValue {
        case "<"?, "<="?: number = SearchNumber(lexeme: nil, low: nil, high: exact.high)
        case ">"?, ">="?: number = SearchNumber(lexeme: nil, low: exact.low, high: nil)
        default: number = exact
        }
        return SearchQuantity(number: number, system: object["system"]?.stringValue, code: object["code"]?.stringValue,
                              unit: object["unit"]?.stringValue)
    }

    /// From the low end of `low` to the high end of `high` (each by its precision); a missing
    /// side is unbounded. The units are those of `low`, else `high`.
    private static func range(_ object: JSONObject) -> (number: SearchNumber, unitSource: JSONValue?)? {
        let low = object["low"]?["value"]?.numberLexeme.flatMap(SearchValueNormalizer.number)
        let high = object["high"]?["value"]?.numberLexeme.flatMap(SearchValueNormalizer.number)
        guard low != nil || high != nil else { return nil }
        return (SearchNumber(lexeme: nil, low: low?.low, high: high?.high), low != nil ? object["low"] : object["high"])
    }
}
