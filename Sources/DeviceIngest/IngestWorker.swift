import Logging
import ServiceLifecycle

/// Processes buffered batches in the background until graceful shutdown; idle, it polls every
/// `idleDelay`. Several workers (or replicas) share the buffer safely through SKIP LOCKED claims.
///
/// History policy: once the oldest pending batch is `flushInterval` old, every pending batch
/// (up to `maxMessages` messages) is processed together, so an Observation that merges
/// readings — an hourly SampledData — gets at most one new version per flush interval however
/// fast its device sends: 3,600 per hour at the default 1 s, 360 at 10 s.
public struct IngestWorker: Service {
    let pipeline: IngestPipeline
    let flushInterval: Duration
    let maxMessages: Int
    let idleDelay: Duration
    let logger: Logger

    public init(pipeline: IngestPipeline, flushInterval: Duration = .seconds(1), maxMessages: Int = 50_000,
                idleDelay: Duration = .milliseconds(200), logger: Logger) {
        self.pipeline = pipeline
        self.flushInterval = flushInterval
        self.maxMessages = maxMessages
        self.idleDelay = idleDelay
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Start once the server has applied the migrations that create the buffer.
            while !Task.isCancelled, await !pipeline.buffer.isAvailable() {
                try? await Task.sleep(for: idleDelay)
            }
            while !Task.isCancelled {
                do {
                    if try await pipeline.processNext(.oldest(maxMessages: maxMessages, minimumAge: flushInterval)) == nil {
                        try await Task.sleep(for: idleDelay)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    // The batch stays pending and is claimed again when its lease ends.
                    logger.error("ingest batch failed", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: idleDelay)
                }
            }
        }
    }
}
