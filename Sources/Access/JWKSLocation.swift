import AsyncHTTPClient
import Foundation
import NIOCore

/// Where a JSON Web Key Set comes from: a file, or an https URL of the authorization server
/// (`jwks_uri`). Read at start and again when a token names a key the set lacks.
public enum JWKSLocation: Sendable, Equatable {
    case file(String)
    case url(String)

    /// `https://…` (or `http://` for tests on loopback) is a URL; anything else a file path.
    public init(_ text: String) {
        self = text.hasPrefix("https://") || text.hasPrefix("http://") ? .url(text) : .file(text)
    }

    /// The largest key set read, in bytes.
    static let sizeLimit = 1 << 20

    /// The key set's JSON text.
    func load() async throws(AuthenticationError) -> String {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .keysUnavailable("cannot read JWKS file \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        case .url(let url):
            do {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                guard response.status == .ok else { throw AuthenticationError.keysUnavailable("GET \(url) answered \(response.status.code)") }
                return String(buffer: try await response.body.collect(upTo: Self.sizeLimit))
            } catch let error as AuthenticationError {
                throw error
            } catch {
                throw .keysUnavailable("GET \(url) failed: \(error)")
            }
        }
    }
}
