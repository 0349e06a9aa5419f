import Foundation
import Testing
import ZhikuCore

/// Heavy work runs on the compute threads, in order, and leaves Swift's cooperative pool free.
@Suite struct ComputeThreadsTests {
    @Test func workRunsOnTheNamedThreadsAndReturnsItsResult() async throws {
        let threads = ComputeThreads(count: 2, name: "t-run")
        #expect(try await threads.run { threads.isCurrent })
        #expect(!threads.isCurrent)
        await #expect(throws: CancellationError.self) {
            try await threads.run { throw CancellationError() }
        }
        // A whole async body under the executor preference runs its synchronous parts there too.
        #expect(await withTaskExecutorPreference(threads) { threads.isCurrent })
    }

    /// With every compute thread blocked, tasks on the cooperative pool still run: as many blocking pieces as
    /// there are cores on the pool itself would leave them waiting until a fallback timer frees the pieces.
    @Test func busyComputeThreadsLeaveThePoolFree() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = ComputeThreads(count: cores, name: "t-busy")
        let gate = DispatchSemaphore(value: 0)
        let fallback = CancelFlag()
        async let blocked: Int = withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<(cores * 2) { group.addTask { try await threads.run { gate.wait() } } }
            return try await group.reduce(into: 0) { n, _ in n += 1 }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        // Until every thread has taken its piece (just after the pieces are queued more than half still wait).
        while threads.waiting != cores, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(threads.waiting == cores, "half the pieces wait for a thread")
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 20)
            guard !fallback.isSet else { return }
            fallback.set()
            for _ in 0..<(cores * 2) { gate.signal() }
        }
        let quick = await withTaskGroup(of: Int.self) { group in
            for i in 0..<100 { group.addTask { i } }
            return await group.reduce(0, +)
        }
        #expect(quick == 4950)
        #expect(!fallback.isSet, "the pool answered only once the blocked pieces were freed")
        if !fallback.isSet {
            fallback.set()
            for _ in 0..<(cores * 2) { gate.signal() }
        }
        #expect(try await blocked == cores * 2)
    }

    @Test func cancelledWorkThatWaitsIsNotRun() async throws {
        let threads = ComputeThreads(count: 1, name: "t-cancel")
        let ran = CancelFlag(), started = CancelFlag(), gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await threads.run { started.set(); gate.wait() } }
        while !started.isSet { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = Task { try await threads.run { ran.set() } }
        while threads.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        gate.signal()
        try await blocker.value
        try await threads.run {}  // everything queued before has run
        #expect(!ran.isSet, "the cancelled piece never ran")
    }

    /// Every index runs exactly once, also when several loops run at the same time from different threads.
    @Test func concurrentPerformRunsEveryIndexOnce() async throws {
        let threads = ComputeThreads(count: 3, name: "t-loop")
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in [1, 2, 7, 1000] {
                group.addTask {
                    try await threads.run {
                        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
                        counts.initialize(repeating: 0)
                        defer { counts.deallocate() }
                        let lock = NSLock()
                        ComputeThreads.concurrentPerform(iterations: n) { i in lock.withLock { counts[i] += 1 } }
                        return counts.allSatisfy { $0 == 1 } ? n : -1
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }.sorted()
        }
        #expect(sums == [1, 2, 7, 1000])
        ComputeThreads.concurrentPerform(iterations: 0) { _ in Issue.record("no iterations, no calls") }
    }
}
