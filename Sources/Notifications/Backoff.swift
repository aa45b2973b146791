import Foundation

/// How long a failing delivery waits before its next attempt.
enum Backoff {
    /// 1 s, 2 s, 4 s … up to 5 minutes after the `attempts`-th failure in a row, each ±25% so
    /// endpoints failing together are not retried together.
    static func delay(attempts: Int) -> Duration {
        let base = min(pow(2, Double(max(attempts, 1) - 1)), 300)
        return .milliseconds(Int(base * Double.random(in: 0.75...1.25) * 1000))
    }
}
