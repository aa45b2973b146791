import FHIRCore
import FHIRSearch

/// The check every write of a Subscription passes before it is stored (REST and Bundle
/// entries alike): criteria that parse as a strict search, a supported channel, an endpoint
/// the guard allows. A `requested` Subscription that passes is stored `active` — the server
/// has set it up, and the matcher starts matching it from the change that stored it.
public struct SubscriptionAdmission: Sendable {
    let parser: SearchQueryParser
    let endpoints: EndpointGuard

    public init(parser: SearchQueryParser, endpoints: EndpointGuard) {
        self.parser = parser
        self.endpoints = endpoints
    }

    /// `resource` as it is to be stored, or every problem found.
    public func admit(_ resource: JSONObject) throws(SubscriptionDefinitionError) -> JSONObject {
        let definition = try SubscriptionDefinition.read(resource, parser: parser).get()
        if case .restHook(let endpoint, _, _) = definition.channel, let refusal = endpoints.refusal(of: endpoint) {
            throw SubscriptionDefinitionError(issues: [
                OperationOutcome.Issue(code: .security, diagnostics: "channel.endpoint: \(refusal)", expression: ["Subscription.channel.endpoint"]),
            ])
        }
        guard definition.status == .requested else { return resource }
        var admitted = resource
        admitted["status"] = .string(SubscriptionDefinition.Status.active.rawValue)
        return admitted
    }
}
