import FHIRCore
import FHIRSearch
import FHIRStore
import Foundation

/// What an R4 `Subscription` asks for, read from the resource and checked: its criteria as a
/// parsed search, where notifications go, and until when.
public struct SubscriptionDefinition: Sendable {
    public enum Status: String, Sendable {
        case requested, active, error, off
    }

    /// How notifications travel.
    public enum Channel: Sendable {
        /// `rest-hook`: an HTTP POST to `endpoint` with the channel's `header` lines. With a
        /// payload the body is the matching resource (a deletion is a DELETE of
        /// `endpoint/Type/id` instead); without one it is empty.
        case restHook(endpoint: URL, headers: [(name: String, value: String)], payload: String?)
        /// `websocket`: a `ping <id>` to every socket bound to the subscription at `/fhir/$websocket`.
        case websocket
    }

    public let id: String
    public let status: Status
    /// The criteria (`Observation?code=http://loinc.org|8867-4`) as a search.
    public let criteria: SearchQuery
    public let channel: Channel
    /// `Subscription.end`: no notifications for changes after it.
    public let end: Date?

    /// Payload media types the rest-hook channel can send.
    static let payloadTypes: Set<String> = ["application/fhir+json", "application/json"]

    /// Reads and checks `resource` (a Subscription): every problem comes back as an issue
    /// naming its element, so a client sees them all at once.
    public static func read(
        _ resource: JSONObject, parser: SearchQueryParser
    ) -> Result<SubscriptionDefinition, SubscriptionDefinitionError> {
        var issues: [OperationOutcome.Issue] = []
        func problem(_ message: String, _ element: String) {
            issues.append(OperationOutcome.Issue(code: .invalid, diagnostics: message, expression: ["Subscription.\(element)"]))
        }
        let id = resource["id"]?.stringValue ?? ""
        let status = resource["status"]?.stringValue.flatMap(Status.init(rawValue:))
        if status == nil { problem("status must be requested, active, error or off", "status") }
        let criteriaText = resource["criteria"]?.stringValue ?? ""
        var criteria: SearchQuery?
        switch SubscriptionCriteria.parse(criteriaText, parser: parser) {
        case .success(let query): criteria = query
        case .failure(let error): problem("criteria: \(error)", "criteria")
        }
        let end = resource["end"]?.stringValue.flatMap { FHIRDateRange(parsing: $0)?.start.date }
        if resource["end"] != nil, end == nil { problem("end must be an instant", "end") }

        var channel: Channel?
        let channelObject = resource["channel"]?.objectValue ?? JSONObject()
        let payload = channelObject["payload"]?.stringValue
        switch channelObject["type"]?.stringValue {
        case "rest-hook":
            if let payload, !payloadTypes.contains(payload.split(separator: ";").first.map(String.init) ?? payload) {
                problem("payload '\(payload)' is not supported; use application/fhir+json or leave it out for empty notifications", "channel.payload")
            }
            let headers = (channelObject["header"]?.arrayValue ?? []).compactMap(\.stringValue).compactMap(Self.header)
            if headers.count != channelObject["header"]?.arrayValue?.count ?? 0 {
                problem("each header must read 'Name: value'", "channel.header")
            }
            if let text = channelObject["endpoint"]?.stringValue, let url = URL(string: text), url.scheme != nil, url.host != nil {
                channel = .restHook(endpoint: url, headers: headers, payload: payload)
            } else {
                problem("a rest-hook channel needs an absolute endpoint URL", "channel.endpoint")
            }
        case "websocket":
            channel = .websocket
        case let other?:
            problem("channel type '\(other)' is not supported; use rest-hook or websocket", "channel.type")
        case nil:
            problem("channel.type is required", "channel.type")
        }
        guard issues.isEmpty, let status, let criteria, let channel else { return .failure(SubscriptionDefinitionError(issues: issues)) }
        return .success(SubscriptionDefinition(id: id, status: status, criteria: criteria,
                                               channel: channel, end: end))
    }

    /// `Authorization: Bearer x` → ("Authorization", "Bearer x").
    private static func header(_ line: String) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }),
              !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return (name, value)
    }
}

extension SubscriptionDefinition {
    /// Subscription `id` as it stands now, when it is active and not past its end.
    public static func active(_ id: String, in store: ResourceStore, parser: SearchQueryParser) async throws -> SubscriptionDefinition? {
        let stored: StoredResource
        do {
            stored = try await store.read(type: "Subscription", id: id)
        } catch StoreError.notFound {
            return nil
        }
        guard !stored.isDeleted, let json = stored.json, let resource = try JSONReader.parse(json).objectValue,
              case .success(let definition) = read(resource, parser: parser),
              definition.status == .active, definition.end.map({ $0 > Date() }) ?? true
        else { return nil }
        return definition
    }
}

/// Why a Subscription cannot be accepted: one issue per problem, each naming its element.
public struct SubscriptionDefinitionError: Error, Sendable {
    public let issues: [OperationOutcome.Issue]
}

/// Subscription criteria: a search on one resource type, `Type?param=value&…`.
enum SubscriptionCriteria {
    enum Failure: Error, CustomStringConvertible {
        case shape(String)
        case search(SearchQueryError)

        var description: String {
            switch self {
            case .shape(let message): message
            case .search(let error): error.description
            }
        }
    }

    /// Parses criteria strictly: an unknown parameter or modifier is an error rather than
    /// silently matching more than the subscriber asked for.
    static func parse(_ text: String, parser: SearchQueryParser) -> Result<SearchQuery, Failure> {
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let type = String(parts[0])
        guard parser.isSearchable(type) else {
            return .failure(.shape("'\(text)' is not a search on a resource type: write Type?parameter=value"))
        }
        let parameters = parts.count > 1 ? QueryString.pairs(String(parts[1])) : []
        do {
            let query = try parser.parse(resourceType: type, parameters: parameters, strict: true)
            return .success(query)
        } catch {
            return .failure(.search(error))
        }
    }
}
