import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends rest-hook notifications (R4 `rest-hook` channel): one POST per event, with the
/// subscription's headers, the event id in `X-Vesta-Event-Id`, and the resource as body when
/// the channel has a payload. Redirects are not followed (a redirect could lead past the
/// endpoint guard); anything but a 2xx within the timeout is a failure.
public struct RestHook: Sendable {
    let timeout: Duration

    /// The header carrying the stable event id (`<subscription id>:<event number>`).
    public static let eventIdHeader = "X-Vesta-Event-Id"

    /// One client for the process (like `HTTPClient.shared`, it lives as long as the process):
    /// no redirects, bounded connect time, pooled connections per endpoint.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(timeout: Duration = .seconds(10)) {
        self.timeout = timeout
    }

    /// Posts one notification; returns the endpoint's 2xx status, or throws `RestHookFailure`.
    func post(to endpoint: URL, headers: [(name: String, value: String)], eventId: String,
              payload: (contentType: String, body: String)?) async throws(RestHookFailure) -> Int {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: Self.eventIdHeader, value: eventId)
        if let payload {
            request.headers.replaceOrAdd(name: "Content-Type", value: payload.contentType)
            request.body = .bytes(ByteBuffer(string: payload.body))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: .seconds(timeout.components.seconds))
        } catch {
            throw .unreachable("\(error)")
        }
        // Read (and discard) a little of the answer so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 << 10)
        guard (200..<300).contains(response.status.code) else { throw .status(Int(response.status.code)) }
        return Int(response.status.code)
    }
}

/// Why a rest-hook delivery failed.
enum RestHookFailure: Error, CustomStringConvertible {
    case unreachable(String)
    case status(Int)
    case refused(String)

    var description: String {
        switch self {
        case .unreachable(let reason): "the endpoint could not be reached: \(reason)"
        case .status(let status): "the endpoint answered HTTP \(status)"
        case .refused(let reason): "not sent: \(reason)"
        }
    }

    /// The HTTP status an audit record gives the attempt: the endpoint's, or 502 when it could
    /// not be reached and 403 when the guard refused it.
    var status: Int {
        switch self {
        case .unreachable: 502
        case .status(let status): status
        case .refused: 403
        }
    }
}
