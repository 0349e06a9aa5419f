import Foundation

/// A clock (seconds since 1970) that moves only when a test says so, for lease expiry without sleeping.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double

    public init(start: Double = Date().timeIntervalSince1970) {
        seconds = start
    }

    public var now: Double { lock.withLock { seconds } }

    public func advance(by duration: Double) {
        lock.withLock { seconds += duration }
    }

    /// The clock as a function, as stores take it.
    public var function: @Sendable () -> Double { { self.now } }
}
