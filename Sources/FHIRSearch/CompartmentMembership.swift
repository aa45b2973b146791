import FHIRCore

/// How resources of one type belong to a compartment (from the R4 CompartmentDefinitions):
/// an Observation is in the Patient compartment of the patient its `subject` or `performer`
/// names.
public struct CompartmentMembership: Sendable, Hashable {
    /// The compartment type: `Patient`, `Encounter`, `RelatedPerson`, `Practitioner`, `Device`.
    public let compartment: String
    /// The member type's reference parameters that name the compartment owner; `{def}` means
    /// the resource is the owner itself.
    public let parameterCodes: [String]

    /// Reads a Bundle of CompartmentDefinition resources: resource type → its memberships,
    /// leaving out types that belong to a compartment through no parameter.
    static func load(bundle: JSONValue) throws(SearchRegistryError) -> [String: [CompartmentMembership]] {
        var memberships: [String: [CompartmentMembership]] = [:]
        for entry in bundle["entry"]?.arrayValue ?? [] {
            guard let definition = entry["resource"], definition["resourceType"] == "CompartmentDefinition" else { continue }
            guard let compartment = definition["code"]?.stringValue else {
                throw .malformed("a CompartmentDefinition has no code")
            }
            for member in definition["resource"]?.arrayValue ?? [] {
                guard let type = member["code"]?.stringValue else {
                    throw .malformed("a resource of CompartmentDefinition \(compartment) has no code")
                }
                let codes = (member["param"]?.arrayValue ?? []).compactMap(\.stringValue)
                if !codes.isEmpty {
                    memberships[type, default: []].append(CompartmentMembership(compartment: compartment, parameterCodes: codes))
                }
            }
        }
        return memberships
    }
}
