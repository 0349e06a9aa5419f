import Testing
import ZhikuCore

/// A test trait whose test bodies (and the synchronous code inside them) run on `threads` instead of Swift's
/// cooperative pool; ``OffThePool`` and ``WaitsOnProcesses`` differ only in those threads.
public protocol DedicatedThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    static var threads: ComputeThreads { get }
}

extension DedicatedThreadsTrait {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(Self.threads) { try await function() }
    }
}
