import FHIRCore
import FHIRPath

/// String: primitives, and the parts of HumanName and Address.
extension SearchValueExtractor {
    /// The HumanName and Address parts that string search reads, each a separate value.
    private static let parts: [String: [String]] = [
        "HumanName": ["family", "given", "prefix", "suffix", "text"],
        "Address": ["line", "city", "district", "state", "postalCode", "country", "text"],
    ]

    func strings(_ item: FHIRPathValue) -> [SearchValue] {
        guard let (type, object) = Self.complex(item) else {
            return Self.primitiveText(item).map { [.string(SearchString($0))] } ?? []
        }
        var values: [SearchValue] = []
        for part in type.flatMap({ Self.parts[$0] }) ?? [] {
            switch object[part] {
            case .string(let text)?: values.append(.string(SearchString(text)))
            case .array(let items)?: values += items.compactMap(\.stringValue).map { .string(SearchString($0)) }
            default: break
            }
        }
        return values
    }
}
