/// What the caller of one request may do, as authentication established it. The
/// authentication middleware binds it to the request's task (`current`); code that finds no
/// grant there refuses, so a path that escaped authentication fails closed.
public struct AccessGrant: Sendable, Equatable {
    @TaskLocal public static var current: AccessGrant?

    /// Who is calling.
    public enum Caller: Sendable, Equatable {
        /// Authorization is off (`--insecure-no-auth`, loopback only): everything is allowed.
        case anyone
        /// The subject of a verified bearer token, and the client it was issued to.
        case user(subject: String, clientID: String?)
        /// A device authenticated by its own credential; it may only post its telemetry.
        case device(id: String)
    }

    public let caller: Caller
    /// The resource scopes the token carried; others (`openid`, `launch`) are dropped.
    public let scopes: [SMARTScope]
    /// Every scope text the token carried, for audit records.
    public let scopeTexts: [String]
    /// The token's patient launch context: `patient/` scopes reach only this compartment.
    public let patient: String?

    public init(caller: Caller, scopeTexts: [String] = [], patient: String? = nil) {
        self.caller = caller
        self.scopeTexts = scopeTexts
        scopes = scopeTexts.compactMap(SMARTScope.init)
        self.patient = patient
    }

    /// The grant when authorization is off.
    public static let unrestricted = AccessGrant(caller: .anyone)

    public var isUnrestricted: Bool { caller == .anyone }

    /// The user, client or device id audit records name as the agent.
    public var agentID: String {
        switch caller {
        case .anyone: "anonymous"
        case .user(let subject, _): subject
        case .device(let id): "Device/\(id)"
        }
    }

    /// The scopes that allow `permission` on `type`; a scope in the patient context counts
    /// only when the token names a patient. Empty for a device or when nothing allows it.
    public func scopes(granting permission: SMARTScope.Permissions, on type: String) -> [SMARTScope] {
        scopes.filter { $0.grants(permission, on: type) && ($0.context != .patient || patient != nil) }
    }

    /// Whether some scope allows `permission` on `type` (for some resources of it, at least).
    public func permits(_ permission: SMARTScope.Permissions, on type: String) -> Bool {
        isUnrestricted || !scopes(granting: permission, on: type).isEmpty
    }

    /// Whether a scope outside the patient context allows `permission` on every type: what
    /// server-wide operations (the change feed, mapping changes) require.
    public func permitsServerWide(_ permission: SMARTScope.Permissions) -> Bool {
        isUnrestricted || scopes.contains { $0.context != .patient && $0.resourceType == nil && $0.permissions.isSuperset(of: permission) && $0.restriction == nil }
    }
}
