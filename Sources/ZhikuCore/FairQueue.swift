import Foundation

/// Turns at a scarce resource (the chat model) shared fairly between owners (users): at most `slots` turns run at
/// once, and when one ends the next turn goes to the waiting owner who was served least recently — so a member who
/// queues several long answers waits behind each other member's next answer instead of in front of it. Within one
/// owner, turns go in the order asked.
///
/// A waiter learns its place (1: next) whenever it changes, so a client can show it; a waiter whose task is
/// cancelled leaves the queue at once. Thread-safe; `release` may be called from any thread.
public final class FairQueue: @unchecked Sendable {
    /// A turn held: give it back with ``release()`` (once; later calls do nothing).
    public final class Turn: @unchecked Sendable {
        private weak var queue: FairQueue?
        private let lock = NSLock()
        private var released = false

        fileprivate init(_ queue: FairQueue) { self.queue = queue }

        public func release() {
            let first = lock.withLock { () -> Bool in
                defer { released = true }
                return !released
            }
            if first { queue?.turnEnded() }
        }

        deinit { release() }
    }

    private final class Waiter {
        let id: UInt64
        let owner: String
        let continuation: CheckedContinuation<Turn, any Error>
        let onPosition: @Sendable (Int) -> Void
        var position = 0

        init(id: UInt64, owner: String, continuation: CheckedContinuation<Turn, any Error>, onPosition: @escaping @Sendable (Int) -> Void) {
            self.id = id
            self.owner = owner
            self.continuation = continuation
            self.onPosition = onPosition
        }
    }

    /// How many turns may run at once.
    public let slots: Int
    private let lock = NSLock()
    private var running = 0
    private var waiting: [Waiter] = []
    private var nextID: UInt64 = 0
    /// When each owner last got a turn (a counter, not a clock).
    private var lastServed: [String: UInt64] = [:]
    private var serveCount: UInt64 = 0

    public init(slots: Int) {
        self.slots = max(1, slots)
    }

    /// Turns running now, and turns waiting.
    public var load: (running: Int, waiting: Int) { lock.withLock { (running, waiting.count) } }

    /// Waits for a turn for `owner`. `onPosition` hears the waiter's place in the queue (1: next) when it joins
    /// and each time it moves; it is not called when a turn is free at once. Throws `CancellationError` when the
    /// calling task is cancelled while it waits.
    public func turn(for owner: String, onPosition: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Turn {
        let id = lock.withLock { () -> UInt64 in
            nextID += 1
            return nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
                var notices: [(Waiter, Int)] = []
                var granted: Turn?
                lock.withLock {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    if running < slots && waiting.isEmpty {
                        running += 1
                        serveCount += 1
                        lastServed[owner] = serveCount
                        granted = Turn(self)
                        return
                    }
                    waiting.append(Waiter(id: id, owner: owner, continuation: continuation, onPosition: onPosition))
                    notices = reorder()
                }
                if let granted { continuation.resume(returning: granted) }
                for (waiter, position) in notices { waiter.onPosition(position) }
            }
        } onCancel: {
            let removed = lock.withLock { () -> (Waiter, [(Waiter, Int)])? in
                guard let index = waiting.firstIndex(where: { $0.id == id }) else { return nil }
                let waiter = waiting.remove(at: index)
                return (waiter, reorder())
            }
            guard let (waiter, notices) = removed else { return }
            waiter.continuation.resume(throwing: CancellationError())
            for (other, position) in notices { other.onPosition(position) }
        }
    }

    private func turnEnded() {
        var next: Waiter?
        var notices: [(Waiter, Int)] = []
        lock.withLock {
            running -= 1
            guard running < slots, let index = Self.nextIndex(waiting, lastServed) else { return }
            let waiter = waiting.remove(at: index)
            running += 1
            serveCount += 1
            lastServed[waiter.owner] = serveCount
            next = waiter
            notices = reorder()
        }
        next?.continuation.resume(returning: Turn(self))
        for (waiter, position) in notices { waiter.onPosition(position) }
    }

    /// The waiter served next: the earliest waiter of the owner served least recently (never served: first).
    private static func nextIndex(_ waiting: [Waiter], _ lastServed: [String: UInt64]) -> Int? {
        var best: (index: Int, served: UInt64)?
        var seen: Set<String> = []
        for (index, waiter) in waiting.enumerated() where seen.insert(waiter.owner).inserted {
            let served = lastServed[waiter.owner] ?? 0
            if best == nil || served < best!.served { best = (index, served) }
        }
        return best?.index
    }

    /// Gives every waiter its place in the order turns would be handed out now; returns the waiters whose place
    /// changed (to be told outside the lock).
    private func reorder() -> [(Waiter, Int)] {
        var rest = waiting, served = lastServed, count = serveCount, position = 0
        var changed: [(Waiter, Int)] = []
        while let index = Self.nextIndex(rest, served) {
            let waiter = rest.remove(at: index)
            position += 1
            count += 1
            served[waiter.owner] = count
            if waiter.position != position {
                waiter.position = position
                changed.append((waiter, position))
            }
        }
        return changed
    }
}
