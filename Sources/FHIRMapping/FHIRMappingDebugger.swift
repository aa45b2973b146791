import DeviceMapping
import FHIRCore

/// The FHIR half of the mapping debugger (SPEC §6): Observations for measurements, without
/// identity resolution or storage, plus compatibility warnings.
public enum FHIRMappingDebugger {
    /// Groups `measurements` as one batch (§2.2–§2.3) and builds each group's Observation with
    /// placeholder ids (`Device/<deviceId>`, `Patient/<patientId>`, `Encounter/<encounterId>`).
    /// Warns about types without a FHIR template, values no template uses, and groups that
    /// could not be turned into an Observation.
    public static func observations(
        for measurements: [Measurement], mapping: FHIRMapping, issued: FHIRInstant = .now()
    ) -> (observations: [JSONValue], warnings: [String]) {
        var observations: [JSONValue] = []
        var warnings: [String] = []
        func warn(_ text: String) { if !warnings.contains(text) { warnings.append(text) } }
        let available = mapping.templates.map(\.typeName).joined(separator: ", ")
        for group in MeasurementGroup.groups(measurements) {
            guard let template = mapping.template(for: group.type) else {
                warn("No matching Fhir Template exists for Device Mapping [\(group.type)]. Ensure case matches. Available Fhir Templates: [\(available)].")
                continue
            }
            let used = Set(template.valueNames)
            for name in group.measurements.flatMap({ $0.properties.map(\.name) }) where !used.contains(name) {
                warn("The value [\(name)] in Device Mapping [\(group.type)] is not represented within the Fhir Template of type [\(template.typeName)]. Available values: [\(template.valueNames.joined(separator: ", "))].")
            }
            let identities = ResolvedIdentities(deviceId: group.deviceId, patientId: group.patientId, encounterId: group.encounterId)
            do throws(ObservationError) {
                for observationGroup in try ObservationGroup.split(group, by: template.periodInterval) {
                    observations.append(try ObservationBuilder.create(
                        observationGroup, template: template, identities: identities, issued: issued))
                }
            } catch {
                warn("Could not build an Observation for type [\(group.type)]: \(error.description)")
            }
        }
        return (observations, warnings)
    }
}
