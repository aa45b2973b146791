import FHIRStore
import Logging
import ServiceLifecycle

/// Runs subscription matching and delivery until graceful shutdown: the matcher reads the
/// change log as soon as this process commits a change (`ChangeSignal`) and every
/// `pollInterval` (for other replicas' changes, and for changes that were not yet readable),
/// at once again while it is behind, and at most once per `minimumInterval`, so a busy server
/// matches in batches. Each round that read changes wakes the dispatcher, which also looks for
/// due retries every `retryScanInterval`. Every replica may run it; they share the work
/// through row locks and leases.
public struct NotificationService: Service {
    let matcher: SubscriptionMatcher
    let dispatcher: SubscriptionDispatcher
    let changes: ChangeSignal
    let pollInterval: Duration
    let minimumInterval: Duration
    let retryScanInterval: Duration
    let logger: Logger

    public init(matcher: SubscriptionMatcher, dispatcher: SubscriptionDispatcher, changes: ChangeSignal,
                pollInterval: Duration = .milliseconds(50), minimumInterval: Duration = .milliseconds(5),
                retryScanInterval: Duration = .milliseconds(500), logger: Logger) {
        self.matcher = matcher
        self.dispatcher = dispatcher
        self.changes = changes
        self.pollInterval = pollInterval
        self.minimumInterval = minimumInterval
        self.retryScanInterval = retryScanInterval
        self.logger = logger
    }

    public func run() async throws {
        let (matchWakeups, matchWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (deliveryWakeups, deliveryWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let rings = changes.rings()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await ticks(every: pollInterval, wake: matchWake) }
                group.addTask { for await _ in rings { matchWake.yield() } }
                group.addTask { await matchLoop(matchWakeups, deliver: deliveryWake) }
                group.addTask { await ticks(every: retryScanInterval, wake: deliveryWake) }
                group.addTask { await deliveryLoop(deliveryWakeups) }
                await group.waitForAll()
            }
        }
        matchWake.finish()
        deliveryWake.finish()
    }

    private func matchLoop(_ wakeups: AsyncStream<Void>, deliver: AsyncStream<Void>.Continuation) async {
        for await _ in wakeups {
            var read = matcher.batchSize
            while read >= matcher.batchSize, !Task.isCancelled {
                do {
                    read = try await matcher.matchPending()
                    if read > 0 { deliver.yield() }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("subscription matching failed; trying again", metadata: ["error": "\(String(reflecting: error))"])
                    read = 0
                }
            }
            try? await Task.sleep(for: minimumInterval)
        }
        deliver.finish()
    }

    private func ticks(every interval: Duration, wake: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
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
