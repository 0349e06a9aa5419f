/// Lets one heavy multi-process test (several `zhiku` processes with models, or a crash and a resume) run at a time,
/// so they do not pile up on two cores while the rest of the suite runs beside them. A test waiting here waits for
/// work to finish, not for speed.
public actor HeavyTestGate {
    public static let shared = HeavyTestGate()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` when no other heavy test is running.
    public static func exclusive<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let value = try await body()
            await shared.release()
            return value
        } catch {
            await shared.release()
            throw error
        }
    }
}
