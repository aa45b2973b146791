import FHIRCore
import FHIRPath

extension SearchParameter {
    /// Reads a SearchParameter resource; `typesByURL` gives the type of every loaded parameter,
    /// for the components of composites.
    init(resource: JSONValue, typesByURL: [String: SearchParameterType]) throws(SearchRegistryError) {
        let name = resource["id"]?.stringValue ?? resource["url"]?.stringValue ?? "?"
        guard let code = resource["code"]?.stringValue, let url = resource["url"]?.stringValue else {
            throw .malformed("SearchParameter \(name) needs a code and a url")
        }
        let type = try Self.type(of: resource, name: name)
        let base = Self.strings(resource["base"])
        guard !base.isEmpty else { throw .malformed("SearchParameter \(name) has no base") }
        var components: [Component] = []
        for component in resource["component"]?.arrayValue ?? [] {
            guard let definition = component["definition"]?.stringValue, let text = component["expression"]?.stringValue else {
                throw .malformed("a component of SearchParameter \(name) needs a definition and an expression")
            }
            guard let componentType = typesByURL[definition] else { throw .unknownComponent(parameter: name, definition: definition) }
            components.append(Component(definition: definition, type: componentType, expression: try Self.parse(text, name: name)))
        }
        let declaredModifiers = Self.strings(resource["modifier"])
        self.init(
            code: code, url: url, type: type, base: base,
            expression: try resource["expression"]?.stringValue.map { (text) throws(SearchRegistryError) in try Self.parse(text, name: name) },
            targets: Self.strings(resource["target"]),
            modifiers: declaredModifiers.isEmpty ? Self.defaultModifiers(for: type) : declaredModifiers,
            comparators: Self.strings(resource["comparator"]),
            components: components
        )
    }

    /// The `type` of a SearchParameter resource.
    static func type(of resource: JSONValue, name: String) throws(SearchRegistryError) -> SearchParameterType {
        guard let text = resource["type"]?.stringValue, let type = SearchParameterType(rawValue: text) else {
            throw .malformed("SearchParameter \(name) has no known type")
        }
        return type
    }

    private static func parse(_ text: String, name: String) throws(SearchRegistryError) -> FHIRPathExpression {
        do {
            return try FHIRPathExpression(parsing: text)
        } catch {
            throw .invalidExpression(parameter: name, error)
        }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
