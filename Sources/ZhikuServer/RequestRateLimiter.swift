import Foundation
import ZhikuCore

/// Requests per minute per user, as a token bucket: `perMinute` requests at once, refilled evenly over the minute.
/// Over the limit a request is answered 429 with the seconds to wait.
public actor RequestRateLimiter {
    private let perMinute: Int
    private var buckets: [User.ID: (tokens: Double, at: Date)] = [:]

    public init(perMinute: Int) { self.perMinute = perMinute }

    /// Takes one request from `user`'s bucket, or throws `.tooManyRequests`.
    public func take(_ user: User.ID, now: Date = Date()) throws {
        guard perMinute > 0 else { return }
        let capacity = Double(perMinute), rate = capacity / 60
        var (tokens, at) = buckets[user] ?? (capacity, now)
        tokens = min(capacity, tokens + now.timeIntervalSince(at) * rate)
        guard tokens >= 1 else {
            buckets[user] = (tokens, now)
            throw ZhikuError(.tooManyRequests,
                             "more than \(perMinute) requests a minute; try again in \(Int(((1 - tokens) / rate).rounded(.up))) s")
        }
        buckets[user] = (tokens - 1, now)
    }
}
