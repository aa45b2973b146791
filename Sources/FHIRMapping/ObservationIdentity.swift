import Crypto
/// Resolved FHIR logical ids of the resources an Observation refers to (SPEC §4 output).
public struct ResolvedIdentities: Sendable, Hashable {
    public let deviceId: String
    public let patientId: String?
    public let encounterId: String?

    public init(deviceId: String, patientId: String? = nil, encounterId: String? = nil) {
        self.deviceId = deviceId
        self.patientId = patientId
        self.encounterId = encounterId
    }
}

/// The deterministic identifier and id of an Observation (SPEC §3.2).
public enum ObservationIdentity {
    /// The identifier system of every Observation the connector writes.
    public static let system = "https://azure.microsoft.com/en-us/services/iomt-fhir-connector/"

    /// `<patientId>.<deviceId>.<type>.<segment>`; an unresolved patient is empty.
    public static func identifierValue(_ group: ObservationGroup, identities: ResolvedIdentities) -> String {
        [identities.patientId ?? "", identities.deviceId, group.type, group.segment].joined(separator: ".")
    }

    /// The lowercase hex SHA-256 of `<system>_<value>`: a valid 64-character FHIR id.
    public static func id(identifierValue: String) -> String {
        sha256Hex(system + "_" + identifierValue)
    }

    /// The lowercase hex SHA-256 of `text`; MedTech's ids for what it creates (SPEC §3.2, §4).
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}
