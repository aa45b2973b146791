import FHIRSearch
import FHIRStore
import Logging
import PostgresNIO
import Prometheus

/// Subscriptions assembled once at start-up: what the HTTP side needs (admission of
/// Subscription writes, websocket bindings, delivery status and replay) and the background
/// service that matches and delivers.
public struct SubscriptionEngine: Sendable {
    public let admission: SubscriptionAdmission
    public let matcher: SubscriptionMatcher
    public let dispatcher: SubscriptionDispatcher
    public let sockets: WebSocketBindings
    public let parser: SearchQueryParser
    /// Prunes delivered events past their retention; nil when they are kept for good.
    public let retention: SubscriptionEventRetention?
    let logger: Logger

    /// - Parameters:
    ///   - allowPrivateEndpoints: let rest-hooks reach http and private or loopback addresses
    ///     (`--allow-private-endpoints`; tests and closed networks only).
    ///   - retryPeriod: how long a failing subscription is retried before it is set to `error`.
    ///   - eventRetention: how long delivered events are kept (for `$resend`); nil keeps them for good.
    public init(client: PostgresClient, store: ResourceStore, parser: SearchQueryParser, allowPrivateEndpoints: Bool,
                retryPeriod: Duration, eventRetention: Duration? = nil, registry: PrometheusCollectorRegistry, logger: Logger) {
        let endpoints = EndpointGuard(allowPrivate: allowPrivateEndpoints)
        let sockets = WebSocketBindings()
        self.parser = parser
        self.sockets = sockets
        self.logger = logger
        admission = SubscriptionAdmission(parser: parser, endpoints: endpoints)
        retention = eventRetention.map { SubscriptionEventRetention(client: client, retention: $0, logger: logger) }
        matcher = SubscriptionMatcher(client: client, store: store, parser: parser, logger: logger)
        dispatcher = SubscriptionDispatcher(
            client: client, store: store, parser: parser, restHook: RestHook(), endpoints: endpoints, sockets: sockets,
            retryPeriod: retryPeriod, metrics: SubscriptionMetrics(registry: registry), logger: logger)
    }

    /// The background matching and delivery, to run under the application's service group.
    public func service() -> NotificationService {
        NotificationService(matcher: matcher, dispatcher: dispatcher, changes: matcher.store.changeSignal, logger: logger)
    }
}
