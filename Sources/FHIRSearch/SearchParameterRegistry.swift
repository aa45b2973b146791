import FHIRCore
import Foundation

/// The declared search parameters and compartments, by resource type. Loaded once, shared by
/// every thread.
///
/// ```swift
/// let registry = try SearchParameterRegistry(conformanceDirectory: conformance)
/// registry.parameter("code", for: "Observation")?.type  // .token
/// ```
public struct SearchParameterRegistry: Sendable {
    /// Every loaded parameter, in Bundle order.
    public let allParameters: [SearchParameter]
    /// Resource type → the parameters that apply, its own first, then `Resource`/`DomainResource` ones.
    private let applicable: [String: [SearchParameter]]
    /// Resource type → code → parameter.
    private let byCode: [String: [String: SearchParameter]]
    private let memberships: [String: [CompartmentMembership]]
    /// Base type (including `Resource`, `DomainResource`) → the parameters declared on it.
    private let declared: [String: [SearchParameter]]

    /// The resource types that do not derive from DomainResource.
    private static let outsideDomainResource: Set<String> = ["Binary", "Bundle", "Parameters"]

    /// Loads `search/search-parameters.json` and `search/compartment-definitions.json` under
    /// `conformanceDirectory`.
    public init(conformanceDirectory: URL) throws(SearchRegistryError) {
        let search = conformanceDirectory.appendingPathComponent("search")
        try self.init(
            searchParameterBundle: try Self.readJSON(search.appendingPathComponent("search-parameters.json")),
            compartmentDefinitionBundle: try Self.readJSON(search.appendingPathComponent("compartment-definitions.json"))
        )
    }

    /// Builds the registry from a Bundle of SearchParameter resources and a Bundle of
    /// CompartmentDefinition resources.
    public init(searchParameterBundle: JSONValue, compartmentDefinitionBundle: JSONValue) throws(SearchRegistryError) {
        let resources = (searchParameterBundle["entry"]?.arrayValue ?? []).compactMap { $0["resource"] }
            .filter { $0["resourceType"] == "SearchParameter" }
        guard !resources.isEmpty else { throw .malformed("no SearchParameter resources in the Bundle") }
        var typesByURL: [String: SearchParameterType] = [:]
        for resource in resources {
            if let url = resource["url"]?.stringValue {
                typesByURL[url] = try SearchParameter.type(of: resource, name: url)
            }
        }
        var parameters: [SearchParameter] = []
        for resource in resources {
            parameters.append(try SearchParameter(resource: resource, typesByURL: typesByURL))
        }
        allParameters = parameters
        memberships = try CompartmentMembership.load(bundle: compartmentDefinitionBundle)

        var declared: [String: [SearchParameter]] = [:]
        for parameter in parameters {
            for type in parameter.base { declared[type, default: []].append(parameter) }
        }
        var applicable: [String: [SearchParameter]] = [:]
        var byCode: [String: [String: SearchParameter]] = [:]
        for type in Set(declared.keys).union(memberships.keys) where type != "Resource" && type != "DomainResource" {
            let list = Self.applicable(to: type, declared: declared)
            applicable[type] = list
            byCode[type] = Dictionary(list.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        }
        self.applicable = applicable
        self.byCode = byCode
        self.declared = declared
    }

    /// The parameters that apply to `resourceType`: its own, then those declared on `Resource`
    /// and (except for Binary, Bundle and Parameters) `DomainResource`.
    public func parameters(for resourceType: String) -> [SearchParameter] {
        applicable[resourceType] ?? Self.applicable(to: resourceType, declared: declared)
    }

    /// The parameter `code` for `resourceType`, including `_id`, `_lastUpdated` and the like.
    public func parameter(_ code: String, for resourceType: String) -> SearchParameter? {
        if let table = byCode[resourceType] { return table[code] }
        return parameters(for: resourceType).first { $0.code == code }
    }

    /// The compartments resources of `resourceType` can belong to, and through which parameters.
    public func compartments(for resourceType: String) -> [CompartmentMembership] {
        memberships[resourceType] ?? []
    }

    private static func applicable(to type: String, declared: [String: [SearchParameter]]) -> [SearchParameter] {
        var list = declared[type] ?? []
        list += declared["Resource"] ?? []
        if !outsideDomainResource.contains(type) { list += declared["DomainResource"] ?? [] }
        return list
    }

    static func readJSON(_ url: URL) throws(SearchRegistryError) -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(url, reason: error.localizedDescription)
        }
        do {
            return try JSONReader.parse([UInt8](data))
        } catch {
            throw .invalidJSON(url, error)
        }
    }
}
