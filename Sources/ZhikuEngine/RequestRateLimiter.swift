import Foundation
import ZhikuCore

/// Requests per minute per user, as a token bucket: `perMinute` requests at once, refilled evenly over the minute.
/// Over the limit a request is answered 429 with the seconds to wait.
public actor RequestRateLimiter {
    private let perMinute: Int
    private let clock: @Sendable () -> Double
    private var buckets: [User.ID: (tokens: Double, at: Double)] = [:]

    /// `clock`: seconds since 1970 (default: the system clock; tests pass one that moves only when told).
    public init(perMinute: Int, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.perMinute = perMinute
        self.clock = clock
    }

    /// Takes one request from `user`'s bucket, or throws `.tooManyRequests` with the seconds until the next one.
    public func take(_ user: User.ID) throws {
        guard perMinute > 0 else { return }
        let now = clock(), capacity = Double(perMinute), rate = capacity / 60
        var (tokens, at) = buckets[user] ?? (capacity, now)
        tokens = min(capacity, tokens + max(0, now - at) * rate)
        guard tokens >= 1 else {
            buckets[user] = (tokens, now)
            throw ZhikuError(.tooManyRequests,
                             "more than \(perMinute) requests a minute; try again in \(Int(((1 - tokens) / rate).rounded(.up))) s")
        }
        buckets[user] = (tokens - 1, now)
    }
}
