import Foundation
import Synchronization
import Testing
import ZhikuCore

@Suite struct FairQueueTests {
    /// Records what each waiter was told and the order turns were handed out.
    final class Log: Sendable {
        let events = Mutex<[String]>([])
        func add(_ s: String) { events.withLock { $0.append(s) } }
        var all: [String] { events.withLock { $0 } }
    }

    /// Waits until `condition` holds (the queue tells positions from other threads), at most 5 s.
    func eventually(_ condition: () -> Bool) async throws {
        let clock = ContinuousClock(), start = clock.now
        while !condition(), clock.now - start < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func turnsGoToTheOwnerServedLeastRecently() async throws {
        let queue = FairQueue(slots: 1), log = Log()
        let first = try await queue.turn(for: "ana")  // free: granted at once, no position
        var waiters: [Task<Void, any Error>] = []
        // Ana queues two more answers, then Bo one: Bo's comes before Ana's second and third.
        for (i, owner) in ["ana", "ana", "bo"].enumerated() {
            let name = "\(owner)\(i)"
            waiters.append(Task {
                let turn = try await queue.turn(for: owner) { log.add("\(name) at \($0)") }
                log.add("\(name) runs")
                try await Task.sleep(for: .milliseconds(20))
                turn.release()
            })
            try await eventually { log.all.contains { $0.hasPrefix("\(name) at") } }
        }
        #expect(log.all == ["ana0 at 1", "ana1 at 2", "bo2 at 1", "ana0 at 2", "ana1 at 3"], "\(log.all)")
        #expect(queue.load == (running: 1, waiting: 3))
        first.release()
        for waiter in waiters { try await waiter.value }
        #expect(log.all.filter { $0.hasSuffix("runs") } == ["bo2 runs", "ana0 runs", "ana1 runs"], "\(log.all)")
        #expect(queue.load == (running: 0, waiting: 0))
    }

    @Test func aCancelledWaiterLeavesAndTheOthersMoveUp() async throws {
        let queue = FairQueue(slots: 1), log = Log()
        let first = try await queue.turn(for: "ana")
        let gone = Task { _ = try await queue.turn(for: "bo") { log.add("bo at \($0)") } }
        try await eventually { log.all.contains("bo at 1") }
        let stays = Task {
            let turn = try await queue.turn(for: "cy") { log.add("cy at \($0)") }
            turn.release()
        }
        try await eventually { log.all.contains("cy at 2") }
        gone.cancel()
        await #expect(throws: CancellationError.self) { try await gone.value }
        try await eventually { log.all.contains("cy at 1") }
        #expect(log.all == ["bo at 1", "cy at 2", "cy at 1"], "\(log.all)")
        first.release()
        try await stays.value
        #expect(queue.load == (running: 0, waiting: 0))
    }

    @Test func severalSlotsRunAtOnceAndAReleasedTurnIsReleasedOnce() async throws {
        let queue = FairQueue(slots: 2)
        let a = try await queue.turn(for: "ana"), b = try await queue.turn(for: "ana")
        #expect(queue.load == (running: 2, waiting: 0))
        a.release()
        a.release()
        #expect(queue.load == (running: 1, waiting: 0), "a second release gives nothing back twice")
        b.release()
        #expect(queue.load == (running: 0, waiting: 0))
    }
}
