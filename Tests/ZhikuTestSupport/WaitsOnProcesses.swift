import Testing
import ZhikuCore

/// A trait for tests that block a thread while they wait — on a `zhiku` child process (`CLI.run`), a raw socket's
/// `recv`, `waitUntilExit` — and compute little themselves: their bodies run on threads of their own. Swift's
/// cooperative pool has one thread per core, and all tests share one process; two such waits on it stall every test
/// server beside them until one wait ends (a CI run once lost a minute, and a test its answer, that way).
/// Unlike ``OffThePool`` these threads are not rationed to the core count: a waiting test takes no CPU.
public struct WaitsOnProcesses: TestTrait, SuiteTrait, TestScoping {
    /// The test process's threads for waiting test bodies.
    static let threads = ComputeThreads(count: 8, name: "zhiku-test-wait")

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(Self.threads) { try await function() }
    }
}

extension Trait where Self == WaitsOnProcesses {
    /// Runs the test's body on threads kept for blocking waits (see ``WaitsOnProcesses``).
    public static var waitsOnProcesses: Self { WaitsOnProcesses() }
}
