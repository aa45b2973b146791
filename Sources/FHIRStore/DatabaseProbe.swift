import Logging
import PostgresNIO

/// Why the database could not be reached at start-up.
public struct DatabaseUnreachable: Error, CustomStringConvertible {
    public let description: String
}

/// A bounded first contact with the database, so a wrong URL or a stopped server fails start-up
/// within seconds with a clear message instead of waiting on the pool's connection retries.
public enum DatabaseProbe {
    public static func check(_ client: PostgresClient, timeout: Duration = .seconds(15), logger: Logger) async throws {
        let outcome = await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                do {
                    _ = try await client.query("SELECT 1", logger: logger).collect()
                    return nil
                } catch {
                    return error
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return DatabaseUnreachable(description: "no answer from PostgreSQL within \(timeout)")
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let outcome {
            throw DatabaseUnreachable(description: "cannot reach PostgreSQL: \(String(describing: outcome))")
        }
    }
}
