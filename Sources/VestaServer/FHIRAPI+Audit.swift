import Audit
import FHIRSearch
import FHIRStore

/// What read interactions tell the audit log: the resources read and the patients whose data
/// they are (the store records writes itself).
extension FHIRAPI {
    /// Notes `resources` on the current request's audit record: their references when
    /// `listed` (a read names what it read; a search names its query instead), and always the
    /// patients of their Patient compartments.
    func auditRead(_ resources: [StoredResource], listed: Bool, query: String? = nil, patients extra: [String] = []) {
        guard let audit = AuditRequest.current else { return }
        var entities = AuditEntities(resources: listed ? resources.map { "\($0.type)/\($0.id)/_history/\($0.version)" } : [], query: query)
        for patient in extra + resources.flatMap(store.patientReferences(of:)) where !entities.patients.contains(patient) {
            entities.patients.append(patient)
        }
        audit.note(entities)
    }

    /// The query of a search as the audit record names it: `Type?name=value&…`.
    func auditQuery(type: String, applied: [(name: String, value: String)]) -> String {
        "\(type)?" + applied.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}
