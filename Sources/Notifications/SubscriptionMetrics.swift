import Prometheus

/// Prometheus metrics of subscription delivery: `vesta_subscription_notifications_total{outcome}`
/// and `vesta_subscription_notification_latency_seconds` (commit of the change to the
/// subscriber's acknowledgement).
public struct SubscriptionMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private static let buckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600]

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    private static var notifications: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "subscription", metricName: "notifications", unitName: "total",
                             helpText: "Subscription notifications by outcome (delivered, failed attempt)")
    }

    private static var latency: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "subscription", metricName: "notification_latency", unitName: "seconds",
                             helpText: "Time from the commit of a change to the delivery of its notification")
    }

    func delivered(latency seconds: Double) {
        registry.makeCounter(descriptor: Self.notifications, labels: [("outcome", "delivered")]).increment()
        registry.makeValueHistogram(descriptor: Self.latency, buckets: Self.buckets).record(seconds)
    }

    func failed() {
        registry.makeCounter(descriptor: Self.notifications, labels: [("outcome", "failed")]).increment()
    }
}
