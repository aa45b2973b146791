import Prometheus

/// Prometheus metrics of the change feed's webhook sinks: `vesta_event_sink_batches_total{outcome}`
/// (POSTs the sinks accepted, or that failed) and `vesta_event_sink_events_total` (events accepted).
struct EventSinkMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    private static var batches: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "event_sink", metricName: "batches", unitName: "total",
                             helpText: "Batches of change events POSTed to webhook sinks, by outcome (delivered, failed)")
    }

    private static var events: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vesta", subsystem: "event_sink", metricName: "events", unitName: "total",
                             helpText: "Change events webhook sinks accepted")
    }

    func delivered(events count: Int) {
        registry.makeCounter(descriptor: Self.batches, labels: [("outcome", "delivered")]).increment()
        registry.makeCounter(descriptor: Self.events).increment(by: Int64(count))
    }

    func failed() {
        registry.makeCounter(descriptor: Self.batches, labels: [("outcome", "failed")]).increment()
    }
}
