import Foundation
import Synchronization

/// A fixed set of dedicated threads for CPU-heavy work (embedding, PDF pages, image decoding, password hashing,
/// model tests), so it never runs on Swift's cooperative thread pool. That pool has one thread per core: one
/// long computation on it stalls every request, health check and ingest step of the process that is waiting for a
/// thread. Work queued here waits its turn in order (at most `count` pieces run at once) while the pool stays free.
///
/// It is also a `TaskExecutor`: `withTaskExecutorPreference(threads) { … }` runs a whole async body, and the
/// synchronous code inside it, on these threads.
public final class ComputeThreads: TaskExecutor, @unchecked Sendable {
    /// The process's threads for heavy work: one per core.
    public static let shared = ComputeThreads(count: ProcessInfo.processInfo.activeProcessorCount, name: "zhiku-compute")

    enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
        case taken
    }

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var head = 0
    /// How many threads serve the queue.
    public let count: Int
    /// Work pushed and not yet taken (read without the lock by threads polling before they sleep).
    private let queued = Atomic<Int>(0)
    private let spinWhenIdle: Duration

    /// Starts `count` threads (at least one) named `name`-1, `name`-2, …; they, and so this object, live as long as
    /// the process. With `spinWhenIdle` > 0 a thread that runs out of work polls for that long before it sleeps.
    public init(count: Int, name: String, spinWhenIdle: Duration = .zero) {
        self.count = max(1, count)
        self.spinWhenIdle = spinWhenIdle
        for index in 1...self.count {
            let thread = Thread {
                // Named from inside: on Linux a name set before start() is not applied to the thread.
                Thread.current.name = "\(name)-\(index)"
                self.serve()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// How many pieces of work are waiting for a thread.
    public var waiting: Int { condition.withLock { queue.count - head } }

    public func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    /// Runs `body` on one of the threads and returns its result. A task cancelled while its work is still waiting
    /// gets `CancellationError` at once and the work never runs; work that has started runs to its end, so long
    /// work should be cut into pieces (a batch, a page) with a call each.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let pending = PendingWork<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                guard pending.install(continuation) else { return }
                push(.closure {
                    guard let continuation = pending.start() else { return }
                    continuation.resume(with: Result { try body() })
                })
            }
        } onCancel: {
            pending.cancel()
        }
    }

    func push(_ work: Work) {
        condition.withLock {
            queue.append(work)
            queued.add(1, ordering: .releasing)
            condition.signal()
        }
    }

    /// Whether the calling code runs on one of these threads.
    public var isCurrent: Bool {
        (Thread.current.threadDictionary[Self.marker] as? ObjectIdentifier) == ObjectIdentifier(self)
    }

    private static let marker = "zhiku.compute-threads"

    private func serve() {
        Thread.current.threadDictionary[Self.marker] = ObjectIdentifier(self)
        while true {
            if spinWhenIdle > .zero, queued.load(ordering: .relaxed) == 0 {
                _ = Self.spin(for: spinWhenIdle) { queued.load(ordering: .relaxed) > 0 }
            }
            let work: Work = condition.withLock {
                while head == queue.count { condition.wait() }
                queued.subtract(1, ordering: .relaxed)
                let next = queue[head]
                queue[head] = .taken  // what the work captured is released when it is done, not when the queue moves
                head += 1
                if head > 1024, head * 2 > queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
                return next
            }
            switch work {
            case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            case .closure(let body): body()
            case .taken: break
            }
        }
    }
}

/// One ``ComputeThreads/run(_:)`` call's continuation: resumed exactly once, by the thread that starts the work
/// or, if the task is cancelled first, with `CancellationError` at once.
private final class PendingWork<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var cancelled = false
    private var claimed = false

    /// Keeps the continuation; false (and it is resumed with `CancellationError`) when the task is already cancelled.
    func install(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let refused: Bool = lock.withLock {
            if cancelled {
                claimed = true
                return true
            }
            self.continuation = continuation
            return false
        }
        if refused { continuation.resume(throwing: CancellationError()) }
        return !refused
    }

    /// The continuation for the thread about to run the work, or nil when the task was cancelled first.
    func start() -> CheckedContinuation<T, any Error>? {
        lock.withLock {
            guard !claimed else { return nil }
            claimed = true
            defer { continuation = nil }
            return continuation
        }
    }

    func cancel() {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            cancelled = true
            guard !claimed, let continuation else { return nil }
            claimed = true
            self.continuation = nil
            return continuation
        }
        waiting?.resume(throwing: CancellationError())
    }
}
