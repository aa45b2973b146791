import Logging
import ServiceLifecycle

/// Processes buffered batches in the background until graceful shutdown; idle, it polls every
/// `idleDelay`. Several workers (or replicas) share the buffer safely through SKIP LOCKED claims.
public struct IngestWorker: Service {
    let pipeline: IngestPipeline
    let idleDelay: Duration
    let logger: Logger

    public init(pipeline: IngestPipeline, idleDelay: Duration = .milliseconds(200), logger: Logger) {
        self.pipeline = pipeline
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
                    if try await pipeline.processNext() == nil {
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
