import FHIRCore

/// `resolve()`: the target of each Reference (its `reference`) or reference string
/// (canonical, uri). A `#id` reference yields the contained resource itself; other targets are
/// known by type only (`Patient/123` → a Patient node with `.null` JSON), via
/// `FHIRPathContext.resolveReference`. Unknown targets are left out.
extension Evaluator {
    func resolve(_ items: [FHIRPathValue]) -> [FHIRPathValue] {
        var result: [FHIRPathValue] = []
        for item in items {
            let reference: String?
            switch item {
            case .string(let text): reference = text
            case .node(let node): reference = node.json["reference"]?.stringValue ?? node.json.stringValue
            default: reference = nil
            }
            guard let reference else { continue }
            if reference.hasPrefix("#") {
                result += containedResource(id: reference.dropFirst())
            } else if let type = context.resolveReference(reference) {
                result.append(.node(FHIRPathNode(resourceType: type)))
            }
        }
        return result
    }

    /// The resource in `%resource.contained` with this id; `%resource` itself for an empty id.
    private func containedResource(id: Substring) -> [FHIRPathValue] {
        guard let container = resource.first?.node?.json else { return [] }
        if id.isEmpty { return resource }
        for contained in container["contained"]?.arrayValue ?? [] where contained["id"]?.stringValue == String(id) {
            return [.node(FHIRPathNode(resource: contained))]
        }
        return []
    }
}
