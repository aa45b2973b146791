import ArgumentParser
import Foundation
import Notifications

/// `--event-sink URL` (repeatable) and `--event-sink-format`: webhooks the change feed is pushed to.
struct EventSinkOptions: ParsableArguments {
    @Option(name: .customLong("event-sink"),
            help: "Webhook URL that receives every change of the feed as POSTed JSON batches; repeat for several (VESTA_EVENT_SINKS, comma-separated).")
    var sinkFlags: [String] = []

    @Option(name: .customLong("event-sink-format"),
            help: "Event shape the sinks receive: cloudevents (as GET /events) or azure (Azure Health Data Services Event Grid schema) (VESTA_EVENT_SINK_FORMAT; default cloudevents).")
    var formatFlag: ChangeEventFormat?

    var format: ChangeEventFormat {
        get throws {
            if let formatFlag { return formatFlag }
            guard let text = environment("VESTA_EVENT_SINK_FORMAT") else { return .cloudEvents }
            guard let format = ChangeEventFormat(rawValue: text) else {
                throw ValidationError("VESTA_EVENT_SINK_FORMAT must be cloudevents or azure, not '\(text)'")
            }
            return format
        }
    }

    /// The configured sinks: the flags, else the environment's list.
    var sinks: [EventSink] {
        get throws {
            let texts = sinkFlags.isEmpty
                ? (environment("VESTA_EVENT_SINKS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                : sinkFlags
            let format = try format
            return try texts.map { text in
                guard let sink = EventSink(text, format: format) else {
                    throw ValidationError("--event-sink (VESTA_EVENT_SINKS) must be absolute http or https URLs, not '\(text)'")
                }
                return sink
            }
        }
    }

    func validate() throws {
        _ = try sinks
    }
}

extension ChangeEventFormat: ExpressibleByArgument {}
