import Testing
import ZhikuCore

/// A trait for tests that compute for a long time without awaiting (a model's forward passes, OCR, a whole
/// transcription): their bodies run on threads of their own instead of Swift's cooperative pool. Tests share one
/// process and that pool has a thread per core, so two such tests on it would stall every test server beside them
/// (their requests then time out). Heavy bodies also take turns: at most two at once.
public struct OffThePool: DedicatedThreadsTrait {
    /// The test process's threads for heavy test bodies, apart from the ones the code under test uses.
    public static let threads = ComputeThreads(count: 2, name: "zhiku-test")
}

extension Trait where Self == OffThePool {
    /// Runs the test's body on dedicated threads (see ``OffThePool``).
    public static var offThePool: Self { OffThePool() }
}
