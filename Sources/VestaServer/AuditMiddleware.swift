import Access
import Audit
import FHIRCore
import Hummingbird
import Logging

/// Records one AuditEvent per audited interaction (DESIGN §6): binds an `AuditRequest` to the
/// request's task so handlers can name what they touched and the store can record writes in
/// their own transaction, then records the interaction with its final status, unless the store
/// already did. When the record cannot be written the client gets a 503 instead of the answer.
struct AuditMiddleware<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let recorder: AuditRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard recorder.mode != .off else { return try await next(request, context) }
        let grant = AccessGrant.current
        let agent = AuditAgent(userID: grant?.agentID ?? "anonymous", scopes: grant?.scopeTexts ?? [],
                               address: context.remoteAddress?.ipAddress, userAgent: request.headers[.userAgent])
        let audit = AuditRequest(agent: agent, interaction: nil)
        let response = try await AuditRequest.$current.withValue(audit) { try await next(request, context) }
        let route = context.endpointPath ?? "unmatched"
        guard let interaction = audit.interaction ?? Self.interaction(method: request.method, route: route, context: context) else {
            return response
        }
        if interaction.isSingleWrite, audit.recordedWrites > 0 { return response }
        let event = AuditEventBuilder.event(
            id: FHIRId.generate(), interaction: interaction, status: response.status.code, agent: agent,
            entities: audit.entities, recorded: .now())
        do {
            try await recorder.record(event)
        } catch {
            context.logger.error("audit record not written; request refused", metadata: ["reason": "\(error)"])
            return FHIRResponses.outcome(.auditUnavailable)
        }
        return response
    }

    /// The interaction a route performs, nil for what is not audited (metadata, health, metrics).
    static func interaction(method: HTTPRequest.Method, route: String, context: Context) -> AuditInteraction? {
        switch FHIRInteraction.name(method: method, route: route) {
        case "read": .read
        case "vread": .vread
        case "search-type": .searchType
        case "search-system": .searchSystem
        case "history-instance": .historyInstance
        case "history-type": .historyType
        case "history-system": .historySystem
        case "create": .create
        case "update": .update
        case "patch": .patch
        case "delete": .delete
        case "batch": .batch
        case "operation":
            .operation(String((context.parameters.get("operation") ?? context.parameters.get("id") ?? "operation").trimmingPrefix("$")))
        case "ingest": .operation("ingest")
        case "mapping-debug": .operation("mapping-debug")
        default: nil
        }
    }
}
