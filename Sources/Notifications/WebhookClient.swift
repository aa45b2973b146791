import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends the HTTP requests of notifications (rest-hook channels, change-feed sinks) through one
/// pooled client for the process (like `HTTPClient.shared`, it lives as long as the process):
/// bounded connect time, redirects not followed (a redirect could lead past the endpoint
/// guard), and anything but a 2xx within the timeout a failure.
struct WebhookClient: Sendable {
    let timeout: Duration

    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Sends one request; returns the endpoint's 2xx status, or throws `WebhookFailure`.
    func send(_ method: HTTPMethod, to url: URL, headers: [(name: String, value: String)],
              body: (contentType: String, bytes: ByteBuffer)?) async throws(WebhookFailure) -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: body.contentType)
            request.body = .bytes(body.bytes)
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

/// Why a notification request failed.
enum WebhookFailure: Error, CustomStringConvertible {
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
