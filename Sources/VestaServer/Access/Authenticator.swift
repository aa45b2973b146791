import Access
import FHIRStore
import HTTPTypes

/// Turns a request's credential into an `AccessGrant`: a device key (`Bearer vdk_…`) checked
/// by the `DeviceKeyStore`, a bearer JWT checked by the `TokenVerifier`, or, for telemetry, a
/// verified client certificate whose common name is the device id. Without a verifier,
/// authorization is off (`vesta serve` allows that only on a loopback address) and requests
/// without a device credential get the unrestricted grant.
public struct Authenticator: Sendable {
    /// Verifies bearer tokens; nil when authorization is off.
    public let verifier: TokenVerifier?
    /// Verifies device keys; nil when devices have none (a device key is then refused).
    public let deviceKeys: DeviceKeyStore?

    public init(verifier: TokenVerifier?, deviceKeys: DeviceKeyStore? = nil) {
        self.verifier = verifier
        self.deviceKeys = deviceKeys
    }

    /// Authorization off and no device keys: every request gets the unrestricted grant.
    public static let off = Authenticator(verifier: nil)

    /// The grant of a request with these headers; `deviceCertificate` is the common name of a
    /// verified client certificate, offered only where a device may call (`POST /ingest`).
    func grant(_ headers: HTTPFields, deviceCertificate: String? = nil) async throws(AuthenticationError) -> AccessGrant {
        let credential = Self.bearerCredential(headers)
        if let credential, DeviceKeyStore.looksLikeDeviceKey(credential) {
            return AccessGrant(caller: .device(id: try await device(credential)))
        }
        if credential == nil, let deviceCertificate { return AccessGrant(caller: .device(id: deviceCertificate)) }
        guard let verifier else { return .unrestricted }
        guard let credential else { throw .missingCredential }
        return try await verifier.verify(credential)
    }

    private func device(_ key: String) async throws(AuthenticationError) -> String {
        guard let deviceKeys else { throw .unknownDeviceKey }
        do {
            guard let device = try await deviceKeys.authenticate(key) else { throw AuthenticationError.unknownDeviceKey }
            return device
        } catch let error as AuthenticationError {
            throw error
        } catch {
            throw .keysUnavailable("device keys cannot be read: \(error)")
        }
    }

    /// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive).
    static func bearerCredential(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
