import Foundation
import Synchronization

/// Rings each time this process commits a change to the change log, so the readers of the log
/// in the same process (the subscription matcher, the event feed's long polls) look at once
/// instead of at their next poll. Commits of other replicas are not seen here: readers keep
/// polling for those, and for changes a ring found not yet readable (below the watermark).
public final class ChangeSignal: Sendable {
    private let listeners = Mutex<[UUID: AsyncStream<Void>.Continuation]>([:])

    public init() {}

    /// A stream that yields after commits: at most one ring waits in it, so a slow reader
    /// sees one for any number of commits since it last looked. It ends when the reading
    /// task is cancelled or drops it.
    public func rings() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        listeners.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until `rings` (from `rings()`) yields or `timeout` passes; true when it rang.
    /// Listen before reading the log, then wait: a commit in between is not missed. `rings`
    /// ends here if the timeout comes first, so take a fresh one for the next wait.
    @discardableResult
    public static func nextRing(of rings: AsyncStream<Void>, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in rings { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let rang = await group.next() ?? false
            group.cancelAll()
            return rang
        }
    }

    /// Tells every listener a change committed.
    func ring() {
        listeners.withLock { listeners in
            for continuation in listeners.values { continuation.yield() }
        }
    }
}
