import FHIRCore
import FHIRMapping
import Logging
import PostgresNIO

/// MedTech's `Lookup` identity mode (SPEC §4): the Device whose identifier has the measurement's
/// device id as its value (in `deviceIdentifierSystem` when set), and the Patient its
/// `Device.patient` names. The Patient itself is not read; the measurement's patient id is ignored.
struct IdentityResolver: Sendable {
    let client: PostgresClient
    let deviceIdentifierSystem: String?
    let logger: Logger

    enum Failure: Error, CustomStringConvertible {
        case deviceNotFound(String)
        case multipleDevices(String)
        case patientNotFound(device: String)

        var description: String {
            switch self {
            case .deviceNotFound(let id): "FhirResourceNotFoundException: no Device has identifier \(id)"
            case .multipleDevices(let id): "MultipleResourceFoundException: more than one Device has identifier \(id)"
            case .patientNotFound(let device): "FhirResourceNotFoundException: Device/\(device) has no Patient/<id> in Device.patient"
            }
        }
    }

    func resolve(deviceId: String) async throws -> ResolvedIdentities {
        var identifier: JSONObject = ["value": .string(deviceId)]
        identifier["system"] = deviceIdentifierSystem.map(JSONValue.string)
        let probe = JSONWriter.string(.array([.object(identifier)]))
        let rows = try await client.query(
            """
            SELECT id, body -> 'patient' ->> 'reference' FROM r_device
             WHERE NOT deleted AND body -> 'identifier' @> \(probe)::jsonb LIMIT 2
            """, logger: logger)
        var matches: [(id: String, patient: String?)] = []
        for try await (id, patient) in rows.decode((String, String?).self) { matches.append((id, patient)) }
        guard let device = matches.first else { throw Failure.deviceNotFound(deviceId) }
        guard matches.count == 1 else { throw Failure.multipleDevices(deviceId) }
        guard let reference = device.patient, reference.hasPrefix("Patient/"),
              FHIRId.isValid(reference.dropFirst("Patient/".count)) else {
            throw Failure.patientNotFound(device: device.id)
        }
        return ResolvedIdentities(deviceId: device.id, patientId: String(reference.dropFirst("Patient/".count)))
    }
}
