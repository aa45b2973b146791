import FHIRStore
import Logging
import ServiceLifecycle

/// Chains new audit records every `interval` until graceful shutdown (at once again while a
/// backlog remains), and logs the chain head at info every `headInterval` ("audit chain head",
/// with its position and hash) so it can be anchored outside the database: only a recorded head
/// exposes a chain rewritten from some point to its end. Replicas may all run it; they take turns.
/// A failure is logged as a warning and tried again.
public struct AuditChainService: Service {
    let chain: AuditChain
    let interval: Duration
    let headInterval: Duration
    let batchSize: Int
    let logger: Logger

    public init(chain: AuditChain, interval: Duration = .seconds(1), headInterval: Duration = .seconds(60),
                batchSize: Int = AuditChain.defaultLimit, logger: Logger) {
        self.chain = chain
        self.interval = interval
        self.headInterval = headInterval
        self.batchSize = max(batchSize, 1)
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Start once the server has applied the migrations that create the chain.
            while !Task.isCancelled, await !chain.isAvailable() {
                try? await Task.sleep(for: interval)
            }
            let clock = ContinuousClock()
            var nextHead = clock.now
            while !Task.isCancelled {
                var backlog = false
                do {
                    backlog = try await chain.extend(limit: batchSize) == batchSize
                    if clock.now >= nextHead {
                        nextHead = clock.now.advanced(by: headInterval)
                        if let head = try await chain.head() {
                            logger.info("audit chain head", metadata: [
                                "position": "\(head.position)", "hash": "\(head.hash)", "through_tx": "\(head.throughTx)",
                            ])
                        }
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("audit chaining failed; trying again", metadata: ["error": "\(String(reflecting: error))"])
                }
                if !backlog { try? await Task.sleep(for: interval) }
            }
        }
    }
}
