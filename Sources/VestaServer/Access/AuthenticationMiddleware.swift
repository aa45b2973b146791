import Access
import Audit
import FHIRCore
import Hummingbird

/// Authenticates every request (DESIGN §6) and binds the caller's grant to its task
/// (`AccessGrant.current`) for the audit log and the FHIR API's scope checks. A missing or
/// invalid credential gets 401 with `WWW-Authenticate` and is itself audited; a route the grant
/// may not use at all gets 403. Open routes (health, metrics, metadata, SMART discovery) pass.
struct AuthenticationMiddleware<Context: RequestContext & RemoteAddressRequestContext & ClientCertificateRequestContext>: RouterMiddleware {
    let authenticator: Authenticator
    let audit: AuditRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = RouteAccess(method: request.method, path: request.uri.path)
        let grant: AccessGrant
        do {
            grant = try await authenticator.grant(
                request.headers, deviceCertificate: route == .ingest ? context.clientCertificate?.commonName : nil)
        } catch {
            guard route != .open else { return try await next(request, context) }
            return try await refuse(request, context: context, error)
        }
        if let refusal = route.refusal(grant, method: request.method) {
            return try await AccessGrant.$current.withValue(grant) {
                try await audited(request, context: context) { throw FHIRError(.forbidden, .forbidden, refusal) }
            }
        }
        return try await AccessGrant.$current.withValue(grant) { try await next(request, context) }
    }

    /// Runs `work` inside the audit middleware's contract for a refusal made here: the
    /// OperationOutcome answer, recorded like any other failed interaction.
    private func audited(_ request: Request, context: Context, _ work: () throws -> Response) async throws -> Response {
        do {
            return try work()
        } catch let error as FHIRError {
            let response = FHIRResponses.outcome(error)
            return await recordFailure(request, context: context, status: response.status.code,
                                       reason: error.outcome.issues.first?.diagnostics ?? "") ? response : FHIRResponses.outcome(.auditUnavailable)
        }
    }

    /// 401 with the RFC 6750 challenge, and an audit record of the failed authentication.
    private func refuse(_ request: Request, context: Context, _ error: AuthenticationError) async throws -> Response {
        var response = FHIRResponses.outcome(FHIRError(.unauthorized, .login, error.description))
        response.headers[.wwwAuthenticate] = error == .missingCredential
            ? #"Bearer realm="vesta""#
            : #"Bearer realm="vesta", error="invalid_token", error_description="\#(error.description.replacingOccurrences(of: "\"", with: "'"))""#
        return await recordFailure(request, context: context, status: 401, reason: error.description) ? response : FHIRResponses.outcome(.auditUnavailable)
    }

    /// Records a refused request; false when the record could not be written (fail closed).
    private func recordFailure(_ request: Request, context: Context, status: Int, reason: String) async -> Bool {
        guard audit.mode != .off else { return true }
        let agent = AuditAgent(userID: AccessGrant.current?.agentID ?? "anonymous", scopes: AccessGrant.current?.scopeTexts ?? [],
                               address: context.remoteAddress?.ipAddress, userAgent: request.headers[.userAgent])
        let event = AuditEventBuilder.accessFailure(
            id: FHIRId.generate(), status: status, agent: agent, reason: reason,
            request: "\(request.method.rawValue) \(request.uri.path)", recorded: .now())
        do {
            try await audit.record(event)
            return true
        } catch {
            context.logger.error("audit record of a refused request not written", metadata: ["reason": "\(error)"])
            return false
        }
    }
}
