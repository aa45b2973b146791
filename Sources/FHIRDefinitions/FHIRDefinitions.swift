import Foundation

/// The FHIR R4 definitions Vesta validates against: the structure index of every type and the
/// codes of the value sets bound with strength `required`; and the summary elements that
/// `_summary` and `_elements` project resources to.
public struct FHIRDefinitions: Sendable {
    /// The FHIR version of the definitions, `4.0.1`.
    public let fhirVersion: String
    /// The concrete (non-abstract) resource types, sorted.
    public let resourceTypes: [String]
    /// The `_summary` and `_elements` projections of resources.
    public let projection: ResourceProjection
    private let resourceTypeSet: Set<String>
    private let children: [String: ElementChildren]

    /// Loads `structure/elements.json`, `structure/required-valuesets.json` and
    /// `structure/summary-elements.json` from the repository's `conformance` directory.
    public static func load(conformanceDirectory: URL) throws(FHIRDefinitionsError) -> FHIRDefinitions {
        let directory = conformanceDirectory.appendingPathComponent("structure")
        let valueSets = try RequiredValueSets(file: try DefinitionsFile.read("required-valuesets.json", in: directory))
        let index = try StructureIndex(file: try DefinitionsFile.read("elements.json", in: directory), valueSets: valueSets)
        let projection = try ResourceProjection(file: try DefinitionsFile.read("summary-elements.json", in: directory), index: index)
        return FHIRDefinitions(index: index, projection: projection)
    }

    private init(index: StructureIndex, projection: ResourceProjection) {
        fhirVersion = index.fhirVersion
        self.projection = projection
        resourceTypes = index.resourceTypes
        resourceTypeSet = Set(index.resourceTypes)
        children = index.children
    }

    /// Whether `name` is a concrete resource type (`Patient`, not `DomainResource`).
    public func isResourceType(_ name: String) -> Bool {
        resourceTypeSet.contains(name)
    }

    /// The children of a parent path: a type name (`Patient`, `HumanName`) or the path of a
    /// backbone element (`Observation.component`). Empty for paths without children.
    func children(of parentPath: String) -> ElementChildren {
        children[parentPath] ?? ElementChildren()
    }
}
