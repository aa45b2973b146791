import FHIRCore
import FHIRPath

/// Turns what a parameter's expression selected into search values of the parameter's type,
/// following the FHIR R4 rules for which elements of each data type a search type reads.
/// Items a type cannot read (a Reference with only a display, a primitive with only an
/// extension) give nothing.
struct SearchValueExtractor {
    /// The resource being indexed, for `#id` references into `contained`.
    let resource: JSONValue

    func values(of item: FHIRPathValue, as type: SearchParameterType) -> [SearchValue] {
        switch type {
        case .token: tokens(item)
        case .string: strings(item)
        case .date: dates(item).map(SearchValue.date)
        case .number: numbers(item).map(SearchValue.number)
        case .quantity: quantities(item).map(SearchValue.quantity)
        case .reference: references(item)
        case .uri: uris(item)
        // Composites are assembled from their components; `near` (the one special) is not indexed.
        case .composite, .special: []
        }
    }

    /// A complex element's type and JSON object; nil for primitives and System values.
    static func complex(_ item: FHIRPathValue) -> (type: String?, object: JSONObject)? {
        guard case .node(let node) = item, let object = node.json.objectValue else { return nil }
        return (node.type, object)
    }

    /// A primitive's value as text: `true`, `42`, `2020-01-01`, `active`.
    static func primitiveText(_ item: FHIRPathValue) -> String? {
        switch item.primitiveValue {
        case .string(let text)?, .date(let text)?, .dateTime(let text)?, .time(let text)?, .decimal(let text)?: text
        case .integer(let integer)?: String(integer)
        case .boolean(let boolean)?: boolean ? "true" : "false"
        case .node?, nil: nil
        }
    }
}
