import FHIRCore
import FHIRMapping
import FHIRSearch
import FHIRStore
import Logging

/// How ingestion finds the Device, Patient and Encounter of a measurement group (SPEC §4,
/// MedTech's `ResourceIdentityServiceType`).
public enum IdentityMode: String, Sendable, CaseIterable {
    /// The Device with the measurement's device id as identifier, and the Patient in its `Device.patient`.
    case lookup
    /// Lookup; when the Device or its Patient is missing, find or create them from the
    /// measurement's device and patient ids.
    case create
    /// Lookup, and the measurement must name an Encounter.
    case lookupWithEncounter = "lookup-with-encounter"
}

/// Resolves identities through the store's search (Device, Patient and Encounter by identifier).
struct IdentityResolver: Sendable {
    let store: ResourceStore
    let mode: IdentityMode
    let deviceIdentifierSystem: String?
    let cache = IdentityCache()
    let logger: Logger

    enum Failure: Error, CustomStringConvertible {
        case notFound(type: String, identifier: String)
        case multiple(type: String, identifier: String)
        case patientNotLinked(device: String)
        case notDefined(type: String)
        case patientDeviceMismatch(device: String, patient: String)

        var description: String {
            switch self {
            case .notFound(let type, let identifier): "FhirResourceNotFoundException: no \(type) has identifier \(identifier)"
            case .multiple(let type, let identifier): "MultipleResourceFoundException: more than one \(type) has identifier \(identifier)"
            case .patientNotLinked(let device): "FhirResourceNotFoundException: Device/\(device) has no Patient/<id> in Device.patient"
            case .notDefined(let type): "ResourceIdentityNotDefinedException: the measurement names no \(type)"
            case .patientDeviceMismatch(let device, let patient):
                "PatientDeviceMismatchException: Device/\(device) belongs to another patient than Patient/\(patient)"
            }
        }
    }

    /// The group's identities, from the cache when resolved within its lifetime.
    func resolve(_ group: MeasurementGroup) async throws -> ResolvedIdentities {
        let key = [group.deviceId, group.patientId ?? "", group.encounterId ?? ""].joined(separator: "\u{1F}")
        if let cached = await cache.identities(for: key) { return cached }
        let resolved = try await resolveUncached(group)
        await cache.store(resolved, for: key)
        return resolved
    }

    private func resolveUncached(_ group: MeasurementGroup) async throws -> ResolvedIdentities {
        var encounterId: String?
        if let encounter = group.encounterId {
            encounterId = try await findOne("Encounter", system: nil, value: encounter)?.id
            if encounterId == nil { throw Failure.notFound(type: "Encounter", identifier: encounter) }
        } else if mode == .lookupWithEncounter {
            throw Failure.notDefined(type: "Encounter")
        }
        do {
            let (device, patient) = try await lookup(group.deviceId)
            return ResolvedIdentities(deviceId: device, patientId: patient, encounterId: encounterId)
        } catch let failure as Failure where mode == .create {
            switch failure {
            case .notFound(type: "Device", _), .patientNotLinked:
                // As MedTech does, the Encounter is not resolved on the create path.
                let (device, patient) = try await create(deviceId: group.deviceId, patientId: group.patientId)
                return ResolvedIdentities(deviceId: device, patientId: patient)
            default:
                throw failure
            }
        }
    }

    /// Lookup mode: the Device by identifier, and the Patient its `Device.patient` names.
    private func lookup(_ deviceId: String) async throws -> (device: String, patient: String) {
        guard let device = try await findOne("Device", system: deviceIdentifierSystem, value: deviceId) else {
            throw Failure.notFound(type: "Device", identifier: deviceId)
        }
        guard let patient = Self.patientId(device.body) else { throw Failure.patientNotLinked(device: device.id) }
        return (device.id, patient)
    }

    /// Create mode: finds or creates the Patient by identifier, then the Device, and links them.
    private func create(deviceId: String, patientId: String?) async throws -> (device: String, patient: String) {
        guard let patientIdentifier = patientId, !patientIdentifier.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Failure.notDefined(type: "Patient")
        }
        let patient: String
        if let existing = try await findOne("Patient", system: nil, value: patientIdentifier) {
            patient = existing.id
        } else {
            patient = try await createIfAbsent(
                "Patient", id: ObservationIdentity.sha256Hex("_" + patientIdentifier),
                ["resourceType": "Patient", "identifier": [["value": .string(patientIdentifier)]]])
        }
        guard let device = try await findOne("Device", system: deviceIdentifierSystem, value: deviceId) else {
            var identifier: JSONObject = ["value": .string(deviceId)]
            identifier["system"] = deviceIdentifierSystem.map(JSONValue.string)
            let created = try await createIfAbsent(
                "Device", id: ObservationIdentity.sha256Hex("\(deviceIdentifierSystem ?? "")_" + deviceId),
                ["resourceType": "Device", "identifier": [.object(identifier)], "patient": ["reference": .string("Patient/\(patient)")]])
            return (created, patient)
        }
        if let linked = Self.patientId(device.body) {
            guard linked == patient else { throw Failure.patientDeviceMismatch(device: device.id, patient: patient) }
            return (device.id, patient)
        }
        _ = try await store.modify(type: "Device", id: device.id) { current in
            var linked = current
            linked["patient"] = ["reference": .string("Patient/\(patient)")]
            return linked
        }
        return (device.id, patient)
    }

    /// Creates the resource under its deterministic id unless a concurrent writer already did.
    private func createIfAbsent(_ type: String, id: String, _ resource: JSONObject) async throws -> String {
        do {
            _ = try await store.create(resource, type: type, id: id)
        } catch StoreError.alreadyExists {
            // Another group created it first; same id, same content.
        }
        return id
    }

    /// The one current resource of `type` whose `identifier` has `value` (and `system` when
    /// given), found by the store's search (`identifier=[system|]value`); nil when none;
    /// `Failure.multiple` when several.
    private func findOne(_ type: String, system: String?, value: String) async throws -> (id: String, body: JSONValue)? {
        guard let parameter = store.registry.parameter("identifier", for: type) else { return nil }
        var query = SearchQuery(resourceType: type)
        let token = SearchMatchValue.token(system: system.map { .some($0) }, code: value)
        query.criteria = [.match(ParameterMatch(parameter: parameter, modifier: nil, values: [token]))]
        let matches = try await store.search(query, count: 2).matches
        guard matches.count <= 1 else { throw Failure.multiple(type: type, identifier: value) }
        return matches.first.map { (id: $0.id, body: ($0.json.flatMap { try? JSONReader.parse($0) }) ?? .null) }
    }

    /// The id in `Device.patient` when it is a relative `Patient/<id>`.
    private static func patientId(_ device: JSONValue) -> String? {
        guard let reference = device["patient"]?["reference"]?.stringValue, reference.hasPrefix("Patient/") else { return nil }
        let id = String(reference.dropFirst("Patient/".count))
        return FHIRId.isValid(id) ? id : nil
    }
}
