import FHIRCore

/// Checks a resource against the R4 structure definitions and its JSON representation
/// (https://hl7.org/fhir/R4/json.html): known elements, cardinality, choice types, primitive
/// kinds and formats, and codes of required bindings. FHIRPath invariants are not evaluated.
public struct StructuralValidator: Sendable {
    private let definitions: FHIRDefinitions

    public init(definitions: FHIRDefinitions) {
        self.definitions = definitions
    }

    /// Every problem found, each an error with a FHIRPath-style location such as
    /// `Patient.name[0].given[1]`. Empty when the resource is structurally valid.
    public func validate(_ resource: JSONValue) -> [OperationOutcome.Issue] {
        var walk = ValidationWalk(definitions: definitions)
        walk.validateResource(resource, at: nil, depth: 0)
        return walk.issues
    }
}
