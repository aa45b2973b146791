import FHIRCore
import FHIRDefinitions
import Notifications

/// What every write passes before it reaches the store, on the REST API and in Bundles alike:
/// the structure definitions, then the rules of resources the server acts on (a
/// Subscription's criteria and channel, which also make a `requested` one `active`).
struct ResourceAdmission: Sendable {
    let validator: StructuralValidator
    let subscriptions: SubscriptionAdmission

    /// The resource as it is to be stored; 422 with every problem otherwise. Warnings do not
    /// block a write.
    func admit(_ resource: JSONObject) throws(FHIRError) -> JSONObject {
        let errors = validator.validate(.object(resource)).filter { $0.severity == .error || $0.severity == .fatal }
        guard errors.isEmpty else { throw FHIRError.invalidResource(errors) }
        guard resource["resourceType"] == "Subscription" else { return resource }
        do {
            return try subscriptions.admit(resource)
        } catch {
            throw FHIRError.invalidResource(error.issues)
        }
    }
}
