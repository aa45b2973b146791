import Logging
import ServiceLifecycle

/// Runs subscription matching and delivery until graceful shutdown: the matcher reads the
/// change log every `pollInterval` (at once again while it is behind), and wakes the
/// dispatcher, which also looks for due retries every `retryScanInterval`. Every replica may
/// run it; they share the work through row locks and leases.
public struct NotificationService: Service {
    let matcher: SubscriptionMatcher
    let dispatcher: SubscriptionDispatcher
    let pollInterval: Duration
    let retryScanInterval: Duration
    let logger: Logger

    public init(matcher: SubscriptionMatcher, dispatcher: SubscriptionDispatcher,
                pollInterval: Duration = .milliseconds(50), retryScanInterval: Duration = .milliseconds(500), logger: Logger) {
        self.matcher = matcher
        self.dispatcher = dispatcher
        self.pollInterval = pollInterval
        self.retryScanInterval = retryScanInterval
        self.logger = logger
    }

    public func run() async throws {
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await matchLoop(wake: wake) }
                group.addTask { await retryTicks(wake: wake) }
                group.addTask { await deliveryLoop(wakeups) }
                await group.waitForAll()
            }
        }
        wake.finish()
    }

    private func matchLoop(wake: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            var read = 0
            do {
                read = try await matcher.matchPending()
                if read > 0 { wake.yield() }
            } catch {
                if Task.isCancelled { break }
                logger.warning("subscription matching failed; trying again", metadata: ["error": "\(String(reflecting: error))"])
            }
            if read < matcher.batchSize { try? await Task.sleep(for: pollInterval) }
        }
        wake.finish()
    }

    private func retryTicks(wake: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: retryScanInterval)
            wake.yield()
        }
    }

    private func deliveryLoop(_ wakeups: AsyncStream<Void>) async {
        for await _ in wakeups {
            do {
                while try await dispatcher.deliverDue() > 0, !Task.isCancelled {}
            } catch {
                if Task.isCancelled { break }
                logger.warning("subscription delivery round failed; trying again", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }
}
