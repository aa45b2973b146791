import FHIRCore
import FHIRStore
import Hummingbird
import Logging

/// Turns every error that escapes a route into an `OperationOutcome` with the right status,
/// so clients never see a bare error page and internal details never leak.
struct OperationOutcomeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return FHIRResponses.outcome(Self.fhirError(for: error, request: request, logger: context.logger))
        }
    }

    static func fhirError(for error: any Error, request: Request, logger: Logger) -> FHIRError {
        switch error {
        case let error as FHIRError:
            return error
        case let error as StoreError:
            let converted = FHIRError(error)
            if converted.status == .internalServerError { logger.error("store failure", metadata: ["error": "\(error)"]) }
            return converted
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound:
                return FHIRError(.notFound, .notFound, "No route for \(request.method) \(request.uri.path)")
            case .methodNotAllowed:
                return FHIRError(.methodNotAllowed, .notSupported, "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge:
                return FHIRError(.contentTooLarge, .tooLong, "The request body is larger than this server accepts")
            case let status:
                return FHIRError(status, .processing, status.reasonPhrase)
            }
        default:
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return FHIRError(.internalServerError, .exception, "Internal server error; see the server log for request \(logger[metadataKey: "hb.request.id"] ?? "-")")
        }
    }
}
