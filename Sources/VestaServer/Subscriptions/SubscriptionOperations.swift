import FHIRCore
import FHIRStore
import Foundation
import Hummingbird
import Notifications

/// Operations on a Subscription's deliveries: `GET Subscription/{id}/$status` (how delivery
/// stands: events matched and delivered, backlog, failures, last error) and
/// `POST Subscription/{id}/$resend?from=N` (send events from number N on again). The FHIR
/// API's instance-operation routes call them (a route of its own under `Subscription/` would
/// shadow the `[type]/[id]` routes for Subscriptions).
struct SubscriptionOperations: Sendable {
    let engine: SubscriptionEngine
    let store: ResourceStore

    /// `GET Subscription/{id}/$status`.
    func status(_ request: Request, id: String) async throws -> Response {
        let subscription = try await store.read(type: "Subscription", id: id)
        if subscription.isDeleted { throw FHIRError(StoreError.deleted(type: "Subscription", id: id, version: subscription.version)) }
        let status = try await engine.dispatcher.status(of: id)
        let resourceStatus = subscription.json.flatMap { try? JSONReader.parse($0) }?["status"]?.stringValue ?? "unknown"
        return FHIRResponses.json(JSONWriter.string(.object(Self.parameters(status, subscriptionStatus: resourceStatus))),
                                  pretty: ResponseOptions(request).pretty)
    }

    /// `POST Subscription/{id}/$resend?from=N`.
    func resend(_ request: Request, id: String) async throws -> Response {
        _ = try await store.read(type: "Subscription", id: id)
        guard let fromText = request.uri.queryParameters.get("from"), let from = Int64(fromText), from >= 1 else {
            throw FHIRError.badRequest("$resend needs from=N, the first event number to send again (1 or more)", expression: ["from"])
        }
        try await engine.dispatcher.resend(id, from: from)
        return FHIRResponses.json(JSONWriter.string(OperationOutcome(.information, .informational,
            "Events of Subscription/\(id) from number \(from) on will be sent again").json), pretty: ResponseOptions(request).pretty)
    }

    /// The status as a `Parameters` resource.
    static func parameters(_ status: DeliveryStatus?, subscriptionStatus: String) -> JSONObject {
        var parameters: [JSONValue] = [parameter("status", .valueCode(subscriptionStatus))]
        let delivery = status ?? DeliveryStatus.none
        parameters += [
            parameter("eventsMatched", .valueInteger(delivery.matched)),
            parameter("eventsDelivered", .valueInteger(delivery.delivered)),
            parameter("backlog", .valueInteger(delivery.backlog)),
            parameter("failedAttempts", .valueInteger(delivery.failedAttempts)),
            parameter("consecutiveFailures", .valueInteger(Int64(delivery.consecutiveFailures))),
        ]
        if let error = delivery.lastError { parameters.append(parameter("lastError", .valueString(error))) }
        if let date = delivery.lastDeliveredAt { parameters.append(parameter("lastDelivered", .valueInstant(date))) }
        if let date = delivery.failingSince { parameters.append(parameter("failingSince", .valueInstant(date))) }
        if delivery.backlog > 0 { parameters.append(parameter("nextAttempt", .valueInstant(delivery.nextAttempt))) }
        return ["resourceType": "Parameters", "parameter": .array(parameters)]
    }

    private enum Value {
        case valueCode(String), valueString(String), valueInteger(Int64), valueInstant(Date)
    }

    private static func parameter(_ name: String, _ value: Value) -> JSONValue {
        let (key, json): (String, JSONValue) = switch value {
        case .valueCode(let code): ("valueCode", .string(code))
        case .valueString(let text): ("valueString", .string(text))
        case .valueInteger(let number): ("valueInteger", .number(String(number)))
        case .valueInstant(let date): ("valueInstant", .string(FHIRInstant(date: date).fhirString))
        }
        return ["name": .string(name), key: json]
    }
}
