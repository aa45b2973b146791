import FHIRCore
import Synchronization

/// Who made a request, as far as the server knows: until authorization exists the user is
/// "anonymous", with the client's network address and user agent.
public struct AuditAgent: Sendable, Equatable {
    public var userID: String
    public var scopes: [String]
    public var address: String?
    public var userAgent: String?

    public init(userID: String = "anonymous", scopes: [String] = [], address: String? = nil, userAgent: String? = nil) {
        self.userID = userID
        self.scopes = scopes
        self.address = address
        self.userAgent = userAgent
    }
}

/// What one audit record names besides the agent: the resources touched, the patients whose
/// data it was, and the query of a search.
public struct AuditEntities: Sendable, Equatable {
    /// `Type/id/_history/version` (or `Type/id`) references.
    public var resources: [String] = []
    /// `Patient/id` references, without repeats.
    public var patients: [String] = []
    /// The query string of a search (`Observation?code=…`).
    public var query: String?

    public init(resources: [String] = [], patients: [String] = [], query: String? = nil) {
        self.resources = resources
        self.patients = patients
        self.query = query
    }

    mutating func merge(_ other: AuditEntities) {
        resources += other.resources
        for patient in other.patients where !patients.contains(patient) { patients.append(patient) }
        query = query ?? other.query
    }
}

/// The audit context of one HTTP request, bound to the task that serves it (`current`): the
/// agent, the interaction, and the entities handlers note as they go. The store records writes
/// in their own transaction and says so here, so the request is not recorded twice.
public final class AuditRequest: Sendable {
    @TaskLocal public static var current: AuditRequest?

    public let agent: AuditAgent
    private let state: Mutex<State>

    private struct State {
        var interaction: AuditInteraction?
        var entities = AuditEntities()
        var recordedWrites = 0
    }

    public init(agent: AuditAgent, interaction: AuditInteraction?) {
        self.agent = agent
        state = Mutex(State(interaction: interaction))
    }

    /// The interaction, as the route named it or a handler declared it.
    public var interaction: AuditInteraction? { state.withLock { $0.interaction } }
    public var entities: AuditEntities { state.withLock { $0.entities } }
    /// How many writes the store recorded in their own transactions.
    public var recordedWrites: Int { state.withLock { $0.recordedWrites } }

    /// Replaces the interaction the route implied (`GET Observation/$lastn` is an operation).
    public func declare(_ interaction: AuditInteraction) {
        state.withLock { $0.interaction = interaction }
    }

    public func note(_ entities: AuditEntities) {
        state.withLock { $0.entities.merge(entities) }
    }

    public func noteRecordedWrite() {
        state.withLock { $0.recordedWrites += 1 }
    }
}
