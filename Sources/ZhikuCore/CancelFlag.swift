import Foundation

/// A flag set once from any thread (a consumer went away, a task was cancelled) and read by work running
/// outside Swift concurrency, which cannot see `Task.isCancelled`.
public final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    public init() {}

    /// Whether ``set()`` was called.
    public var isSet: Bool { lock.withLock { value } }

    /// Sets the flag (idempotent).
    public func set() { lock.withLock { value = true } }

    /// A count changed from any thread.
    public final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0

        public init() {}

        /// The current count.
        public var value: Int { lock.withLock { count } }

        /// Adds `n` (negative to subtract).
        public func add(_ n: Int) { lock.withLock { count += n } }
    }
}
