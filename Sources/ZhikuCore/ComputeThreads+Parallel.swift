import Foundation
import Synchronization

extension ComputeThreads {
    /// Threads that only ever run pieces of ``concurrentPerform(iterations:execute:)``: pure computation that
    /// never waits for anything, so a loop split over them always finishes.
    static let helpers = ComputeThreads(count: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), name: "zhiku-helper",
                                        spinWhenIdle: spinTime)

    /// How long a helper, or a caller waiting for its helpers, polls before it sleeps: waking a sleeping thread
    /// costs tens of microseconds here, as long as one small product; the next piece usually comes sooner.
    static let spinTime: Duration = .microseconds(200)

    /// Polls `done` until it holds (true) or `time` has passed (false).
    static func spin(for time: Duration, until done: () -> Bool) -> Bool {
        let clock = ContinuousClock(), deadline = clock.now + time
        while true {
            for _ in 0..<64 where done() { return true }
            if clock.now >= deadline { return done() }
        }
    }

    /// Runs `body` for every index in `0..<iterations`, spread over the calling thread and the helper threads, and
    /// returns when all have run. A drop-in for `DispatchQueue.concurrentPerform`, whose worker threads on Linux
    /// are the ones Swift's task pool runs on: a long loop there (a model's prompt, a batch of embeddings) leaves
    /// requests waiting for a thread. `body` must not wait for other work. One iteration runs on the calling
    /// thread without any hand-off, so callers need not special-case a single part.
    public static func concurrentPerform(iterations: Int, execute body: (Int) -> Void) {
        guard iterations > 1 else {
            if iterations == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let helpers = min(iterations - 1, Self.helpers.count)
            let loop = ParallelLoop(iterations: iterations, helpers: helpers, body: body)
            for _ in 0..<helpers { Self.helpers.push(.closure { loop.help() }) }
            loop.drain()
            loop.waitForHelpers()
            loop.forgetBody()
        }
    }
}

/// The shared state of one ``ComputeThreads/concurrentPerform(iterations:execute:)`` call: the next index to
/// take, and how many helpers have still to finish (the loop's body must not outlive the call). Indices are taken
/// and helpers sign off with atomic counts, and the caller spins briefly before it sleeps: a single query's
/// forward pass splits about forty products this way, each a fraction of a millisecond.
private final class ParallelLoop: @unchecked Sendable {
    private let condition = NSCondition()
    private let iterations: Int
    private var body: ((Int) -> Void)?
    private let next = Atomic<Int>(0)
    private let helpersRunning: Atomic<Int>

    init(iterations: Int, helpers: Int, body: @escaping (Int) -> Void) {
        self.iterations = iterations
        helpersRunning = Atomic(helpers)
        self.body = body
    }

    /// Runs indices until none are left.
    func drain() {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < iterations else { return }
            body?(index)
        }
    }

    /// A helper's part: indices until none are left, then it signs off.
    func help() {
        drain()
        if helpersRunning.wrappingSubtract(1, ordering: .releasing).newValue == 0 {
            condition.withLock { condition.broadcast() }
        }
    }

    /// Drops the body once every helper is done with it (the call's closure must not outlive the call).
    func forgetBody() { condition.withLock { body = nil } }

    func waitForHelpers() {
        if ComputeThreads.spin(for: ComputeThreads.spinTime, until: { helpersRunning.load(ordering: .acquiring) == 0 }) { return }
        condition.withLock {
            while helpersRunning.load(ordering: .acquiring) > 0 { condition.wait() }
        }
    }
}
