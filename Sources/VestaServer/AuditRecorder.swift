import Audit
import FHIRCore
import FHIRStore
import Logging
import ServiceLifecycle
import Synchronization

/// How the audit records of reads are written (writes are always recorded in their own
/// transaction).
public enum AuditMode: String, Sendable, CaseIterable {
    /// Each record is committed before its response is sent (records of concurrent requests
    /// are committed together: a group commit).
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

/// Writes the audit records of requests that wrote nothing themselves: at once (with the
/// records of concurrent requests), or through a queue that `AuditFlush` empties every second.
/// When the queue cannot be flushed, requests are refused until it can (fail closed).
public struct AuditRecorder: Sendable {
    public let mode: AuditMode
    let store: ResourceStore
    let queue: AuditQueue
    let groupCommit: AuditGroupCommit

    public init(mode: AuditMode, store: ResourceStore) {
        self.mode = mode
        self.store = store
        queue = AuditQueue()
        groupCommit = AuditGroupCommit(store: store)
    }

    func record(_ event: JSONObject) async throws {
        guard mode != .off else { return }
        // Prepared in the request's own task, so concurrent requests share that work out.
        let record: PreparedAudit
        do {
            record = try store.prepareAudit(event)
        } catch {
            throw AuditUnavailable(reason: "\(error)")
        }
        switch mode {
        case .immediate:
            do {
                try await groupCommit.append(record)
            } catch {
                throw AuditUnavailable(reason: "\(error)")
            }
        case .buffered:
            try queue.append(record)
        case .off:
            break
        }
    }

    /// Commits every queued record, set-based in one transaction; on failure they stay queued
    /// and requests are refused until a flush succeeds.
    public func flush() async throws {
        let events = queue.drain()
        guard !events.isEmpty else { return }
        do {
            try await store.transaction { store in
                try await store.appendAudits(events)
            }
            queue.markHealthy()
        } catch {
            queue.requeue(events, failure: "\(error)")
            throw error
        }
    }
}

/// Group commit of immediate audit records: a request whose record arrives while another
/// request is writing waits, and the next writer commits every waiting record in one go, so
/// concurrent reads share statements and commits instead of queueing for one each. Records
/// come prepared (`ResourceStore.prepareAudit`, in each request's task), so the writer only
/// writes. Each request returns once its record is committed (or with the error that kept it
/// from being written).
final class AuditGroupCommit: Sendable {
    private enum Turn { case committed, write }
    private typealias Waiter = (record: PreparedAudit, turn: CheckedContinuation<Turn, any Error>)

    let store: ResourceStore
    private let state = Mutex<(waiting: [Waiter], writing: Bool)>(([], false))

    init(store: ResourceStore) {
        self.store = store
    }

    func append(_ record: PreparedAudit) async throws {
        let turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
            let writeNow = state.withLock { state in
                if state.writing {
                    state.waiting.append((record, continuation))
                    return false
                }
                state.writing = true
                return true
            }
            if writeNow { continuation.resume(returning: .write) }
        }
        guard turn == .write else { return }
        let batch = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        var failure: (any Error)?
        do {
            try await store.appendAudits([record] + batch.map(\.record))
        } catch {
            failure = error
        }
        for waiter in batch {
            if let failure { waiter.turn.resume(throwing: failure) } else { waiter.turn.resume(returning: .committed) }
        }
        // Hand the writing over to the first request that arrived meanwhile, if any.
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.writing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.turn.resume(returning: .write)
        if let failure { throw failure }
    }
}

/// The queue of buffered audit records, and whether its last flush failed.
final class AuditQueue: Sendable {
    private let state = Mutex<(events: [PreparedAudit], failure: String?)>(([], nil))

    func append(_ record: PreparedAudit) throws {
        try state.withLock { state in
            if let failure = state.failure { throw AuditUnavailable(reason: failure) }
            state.events.append(record)
        }
    }

    func drain() -> [PreparedAudit] {
        state.withLock { state in
            defer { state.events = [] }
            return state.events
        }
    }

    func requeue(_ events: [PreparedAudit], failure: String) {
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
