import Foundation

extension ComputeThreads {
    /// Threads that only ever run pieces of ``concurrentPerform(iterations:execute:)``: pure computation that
    /// never waits for anything, so a loop split over them always finishes.
    static let helpers = ComputeThreads(count: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), name: "zhiku-helper")

    /// Runs `body` for every index in `0..<iterations`, spread over the calling thread and the helper threads, and
    /// returns when all have run. A drop-in for `DispatchQueue.concurrentPerform`, whose worker threads on Linux
    /// are the ones Swift's task pool runs on: a long loop there (a model's prompt, a batch of embeddings) leaves
    /// requests waiting for a thread. `body` must not wait for other work.
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
/// take, and how many helpers have still to finish (the loop's body must not outlive the call).
private final class ParallelLoop: @unchecked Sendable {
    private let condition = NSCondition()
    private let iterations: Int
    private var body: ((Int) -> Void)?
    private var next = 0
    private var helpersRunning = 0

    init(iterations: Int, helpers: Int, body: @escaping (Int) -> Void) {
        self.iterations = iterations
        helpersRunning = helpers
        self.body = body
    }

    /// Runs indices until none are left.
    func drain() {
        while true {
            let index: Int = condition.withLock {
                defer { next += 1 }
                return next
            }
            guard index < iterations else { return }
            body?(index)
        }
    }

    /// A helper's part: indices until none are left, then it signs off.
    func help() {
        drain()
        condition.withLock {
            helpersRunning -= 1
            if helpersRunning == 0 { condition.broadcast() }
        }
    }

    /// Drops the body once every helper is done with it (the call's closure must not outlive the call).
    func forgetBody() { condition.withLock { body = nil } }

    func waitForHelpers() {
        condition.withLock {
            while helpersRunning > 0 { condition.wait() }
        }
    }
}
