import FHIRStore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Reloads the key ring every `interval`, so a data key added by `vesta keys rotate` is known
/// to this server before it becomes active (rotation announces keys `KeyRingRefresh.announcement`
/// ahead). A failed reload keeps the ring it has and tries again.
public struct KeyRingRefresh: Service {
    /// How far ahead of its activation a rotated key is stored: several refresh intervals.
    public static let announcement: Duration = .seconds(10)

    let keys: KeyRingHolder
    let store: KeyStore
    let client: PostgresClient
    let interval: Duration
    let logger: Logger

    public init(keys: KeyRingHolder, store: KeyStore, client: PostgresClient, interval: Duration = .seconds(2), logger: Logger) {
        self.keys = keys
        self.store = store
        self.client = client
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    if let ring = try await store.load(client, logger: logger) { keys.replace(with: ring) }
                } catch {
                    logger.warning("key ring refresh failed; keeping the current keys", metadata: ["reason": "\(error)"])
                }
            }
        }
    }
}
