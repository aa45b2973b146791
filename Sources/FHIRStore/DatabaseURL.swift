import Foundation
import PostgresNIO

/// Why a `--database-url` could not be used.
public struct DatabaseURLError: Error, CustomStringConvertible {
    public let description: String
}

/// Turns `postgres://user:password@host:port/database?sslmode=require` into a client configuration.
///
/// `sslmode` may be `disable` (default) or `require`; there is no silent fallback from TLS to
/// plaintext. A `host` query parameter holding a directory (`?host=/run/postgresql`) selects a
/// Unix socket.
public enum DatabaseURL {
    public static func configuration(from text: String) throws(DatabaseURLError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw DatabaseURLError(description: "database URL must look like postgres://user:password@host:port/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = path.isEmpty ? user : path
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw DatabaseURLError(description: "unsupported sslmode '\(other)' (use disable or require)")
        }
        return PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
            username: user, password: password, database: database, tls: tls)
    }
}
