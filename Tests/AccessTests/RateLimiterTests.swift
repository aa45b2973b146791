import Testing
@testable import VestaServer

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("a client may burst up to its limit, then waits for tokens; clients are independent")
    func buckets() throws {
        let limiter = RateLimiter(rate: 2, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.acquire("a", now: start) == nil) }
        let wait = try #require(limiter.acquire("a", now: start))
        #expect(wait == .milliseconds(500))
        #expect(limiter.acquire("b", now: start) == nil)
        #expect(limiter.acquire("a", now: start + .milliseconds(500)) == nil)
        #expect(limiter.acquire("a", now: start + .milliseconds(500)) != nil)
    }
}
