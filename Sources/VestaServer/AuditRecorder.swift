import Audit
import FHIRCore
import FHIRStore
import Logging
import ServiceLifecycle
import Synchronization

/// How the audit records of reads are written (writes are always recorded in their own
/// transaction).
public enum AuditMode: String, Sendable, CaseIterable {
    /// Each record is committed before its response is sent.
    case immediate
    /// Records are queued and committed within about a second, in one transaction.
    case buffered
    /// Nothing is recorded (benchmarks and throwaway development only).
    case off
}

/// Why a request was refused: its audit record cannot be written, and the server fails closed.
struct AuditUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { "the audit log cannot be written: \(reason)" }
}

/// Writes the audit records of requests that wrote nothing themselves: at once, or through a
/// queue that `AuditFlush` empties every second. When the queue cannot be flushed, requests are
/// refused until it can (fail closed).
public struct AuditRecorder: Sendable {
    public let mode: AuditMode
    let store: ResourceStore
    let queue: AuditQueue

    public init(mode: AuditMode, store: ResourceStore) {
        self.mode = mode
        self.store = store
        queue = AuditQueue()
    }

    func record(_ event: JSONObject) async throws {
        switch mode {
        case .immediate:
            do {
                try await store.appendAudit(event)
            } catch {
                throw AuditUnavailable(reason: "\(error)")
            }
        case .buffered:
            try queue.append(event)
        case .off:
            break
        }
    }

    /// Commits every queued record, in one transaction; on failure they stay queued and
    /// requests are refused until a flush succeeds.
    public func flush() async throws {
        let events = queue.drain()
        guard !events.isEmpty else { return }
        do {
            try await store.transaction { store in
                for event in events { try await store.appendAudit(event) }
            }
            queue.markHealthy()
        } catch {
            queue.requeue(events, failure: "\(error)")
            throw error
        }
    }
}

/// The queue of buffered audit records, and whether its last flush failed.
final class AuditQueue: Sendable {
    private let state = Mutex<(events: [JSONObject], failure: String?)>(([], nil))

    func append(_ event: JSONObject) throws {
        try state.withLock { state in
            if let failure = state.failure { throw AuditUnavailable(reason: failure) }
            state.events.append(event)
        }
    }

    func drain() -> [JSONObject] {
        state.withLock { state in
            defer { state.events = [] }
            return state.events
        }
    }

    func requeue(_ events: [JSONObject], failure: String) {
        state.withLock { state in
            state.events = events + state.events
            state.failure = failure
        }
    }

    func markHealthy() {
        state.withLock { $0.failure = nil }
    }
}

/// Flushes buffered audit records every `interval`, and once more at shutdown.
public struct AuditFlush: Service {
    let recorder: AuditRecorder
    let interval: Duration
    let logger: Logger

    public init(recorder: AuditRecorder, interval: Duration = .seconds(1), logger: Logger) {
        self.recorder = recorder
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await flush()
            }
        }
        await flush()
    }

    private func flush() async {
        do {
            try await recorder.flush()
        } catch {
            logger.error("audit records could not be written; refusing requests until they can", metadata: ["reason": "\(error)"])
        }
    }
}
