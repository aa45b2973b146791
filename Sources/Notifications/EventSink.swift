import Foundation

/// A webhook the change feed is pushed to (`vesta serve --event-sink URL`): it receives every
/// create, update and delete `GET /events` carries, in the feed's order, at least once, as
/// POSTed JSON arrays of events. Sinks are operator configuration, not user input, so unlike
/// rest-hook endpoints they may use http and private addresses.
public struct EventSink: Sendable, Hashable {
    public let url: URL
    public let format: ChangeEventFormat

    /// Nil unless `text` is an absolute http or https URL with a host.
    public init?(_ text: String, format: ChangeEventFormat) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        self.url = url
        self.format = format
    }

    /// `Content-Type` of a batch: the CloudEvents JSON batch format, or plain JSON (as Event Grid sends).
    var contentType: String {
        switch format {
        case .cloudEvents: "application/cloudevents-batch+json"
        case .azure: "application/json"
        }
    }

    /// The URL without credentials, query or fragment, for logs (a sink URL may carry a token).
    var displayName: String {
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(url.scheme ?? "http")://\(url.host ?? "")\(port)\(url.path)"
    }
}
