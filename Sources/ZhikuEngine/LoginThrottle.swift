import Foundation
import ZhikuCore

/// Slows down password guessing: after `limit` failed sign-ins for one name from one address within `window`,
/// further attempts are refused (429) until the oldest failure leaves the window. A success clears the record.
public actor LoginThrottle {
    private let limit: Int
    private let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    public init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    /// Starts a sign-in attempt for `key`: throws `.tooManyRequests` (with the seconds to wait) when `key` is
    /// blocked, and otherwise counts the attempt as a failure at once, in the same step, so parallel guesses cannot
    /// all pass the check before any of them is recorded. ``succeeded(_:)`` clears the record.
    public func attempt(_ key: String, now: Date = Date()) throws {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        if recent.count >= limit, let oldest = recent.first {
            failures[key] = recent
            let wait = Int((window - now.timeIntervalSince(oldest)).rounded(.up))
            throw ZhikuError(.tooManyRequests, "too many failed sign-ins; try again in \(wait) s")
        }
        failures[key] = recent + [now]
    }

    public func succeeded(_ key: String) { failures[key] = nil }
}
