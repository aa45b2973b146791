import FHIRCore
import FHIRPath

/// Reference and uri: Reference (its `reference`, and its `identifier` as a token), embedded
/// resources, canonical and uri elements.
extension SearchValueExtractor {
    func references(_ item: FHIRPathValue) -> [SearchValue] {
        guard let (type, object) = Self.complex(item) else {
            return Self.primitiveText(item).map { [.reference(SearchReference(canonical: $0))] } ?? []
        }
        if type == "Reference" {
            var values: [SearchValue] = []
            if let text = object["reference"]?.stringValue {
                let declaredType = object["type"]?.stringValue
                values.append(.reference(SearchReference(reference: text, declaredType: declaredType, container: resource)))
            }
            if let identifier = object["identifier"], let value = identifier["value"]?.stringValue {
                values.append(.token(system: identifier["system"]?.stringValue, code: value, display: nil))
            }
            return values
        }
        // A resource selected in place (`Bundle.entry[0].resource`).
        if let type, object["resourceType"]?.stringValue == type, let id = object["id"]?.stringValue {
            return [.reference(.contained(type: type, id: id))]
        }
        return []
    }

    func uris(_ item: FHIRPathValue) -> [SearchValue] {
        guard let text = Self.primitiveText(item) else { return [] }
        guard item.node?.type == "canonical" else { return [.uri(text, version: nil)] }
        let (url, version) = SearchReference.splitVersion(text)
        return [.uri(url, version: version)]
    }
}
