import Testing
import ZhikuCore

/// A trait for tests that block a thread while they wait — on a `zhiku` child process (`CLI.run`), a raw socket's
/// `recv`, `waitUntilExit` — and compute little themselves: their bodies run on threads of their own. Swift's
/// cooperative pool has one thread per core, and all tests share one process; two such waits on it stall every test
/// server beside them until one wait ends (a CI run once lost a minute, and a test its answer, that way).
/// Unlike ``OffThePool`` these threads are not rationed to the core count: a waiting test takes no CPU.
public struct WaitsOnProcesses: DedicatedThreadsTrait {
    /// The test process's threads for waiting test bodies.
    public static let threads = ComputeThreads(count: 8, name: "zhiku-test-wait")
}

extension Trait where Self == WaitsOnProcesses {
    /// Runs the test's body on threads kept for blocking waits (see ``WaitsOnProcesses``).
    public static var waitsOnProcesses: Self { WaitsOnProcesses() }
}
