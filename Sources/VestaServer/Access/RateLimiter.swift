import Synchronization

/// Token buckets per client: each client may make `rate` requests a second on average, in
/// bursts of up to `burst`. Used for `/ingest` and searches, so one client cannot starve the
/// others (429 with `Retry-After`).
final class RateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    /// Buckets kept before idle, full ones are swept (bounds memory with many clients).
    static let sweepThreshold = 10_000

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// - Parameters:
    ///   - rate: requests a second per client (more than 0).
    ///   - burst: the most requests a client may make at once; `rate` (at least 1) when nil.
    init(rate: Double, burst: Double? = nil) {
        self.rate = rate
        self.burst = burst ?? max(rate, 1)
    }

    /// Takes one request from `client`'s bucket: nil when allowed, otherwise how long until
    /// the next request would be.
    func acquire(_ client: String, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLock { buckets in
            if buckets.count > Self.sweepThreshold { sweep(&buckets, now: now) }
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + seconds(bucket.updated.duration(to: now)) * rate)
            bucket.updated = now
            defer { buckets[client] = bucket }
            guard bucket.tokens >= 1 else { return .seconds((1 - bucket.tokens) / rate) }
            bucket.tokens -= 1
            return nil
        }
    }

    /// Drops the buckets that have refilled completely: their clients start afresh anyway.
    private func sweep(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in bucket.tokens + seconds(bucket.updated.duration(to: now)) * rate < burst }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
