import Foundation
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// Pushes the change feed to its webhook sinks until graceful shutdown, each sink on its own
/// (a slow or failing sink holds up no other). Every replica may run it with the same sinks;
/// they take turns per sink through leases, and each sink's position is in the database, so a
/// restart resumes where the last accepted batch ended.
public struct EventSinkService: Service {
    /// How the sinks are driven.
    public struct Settings: Sendable {
        /// Events per POST at most.
        public var batchSize: Int
        /// How often an idle sink looks for new changes.
        public var pollInterval: Duration
        /// How often a sink held by another server, or waiting for a retry, is tried again.
        public var claimInterval: Duration
        /// How long a sink has to answer each POST.
        public var timeout: Duration

        public init(batchSize: Int = 100, pollInterval: Duration = .milliseconds(100), claimInterval: Duration = .seconds(1),
                    timeout: Duration = .seconds(10)) {
            self.batchSize = max(batchSize, 1)
            self.pollInterval = pollInterval
            self.claimInterval = claimInterval
            self.timeout = timeout
        }
    }

    let deliveries: [EventSinkDelivery]

    /// - Parameters:
    ///   - sinks: the webhooks (`--event-sink`), each with its event format; a URL given twice is served once.
    ///   - renderer: writes the events exactly as `GET /events` does (and Event Grid events).
    public init(sinks: [EventSink], client: PostgresClient, renderer: ChangeEventRenderer, registry: PrometheusCollectorRegistry,
                settings: Settings = Settings(), logger: Logger) {
        let cursors = EventSinkCursors(client: client, logger: logger)
        let webhook = WebhookClient(timeout: settings.timeout)
        let metrics = EventSinkMetrics(registry: registry)
        let owner = UUID()
        var seen = Set<URL>()
        deliveries = sinks.filter { seen.insert($0.url).inserted }.map {
            EventSinkDelivery(sink: $0, cursors: cursors, renderer: renderer, webhook: webhook, metrics: metrics, settings: settings,
                              owner: owner, logger: logger)
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for delivery in deliveries {
                    group.addTask { await delivery.run() }
                }
            }
        }
    }
}
