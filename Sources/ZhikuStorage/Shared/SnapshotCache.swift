import Foundation
import ZhikuCore
import ZhikuRetrieval

/// In-memory index snapshots per key (a knowledge base, a vector space), each valid for one index generation.
final class SnapshotCache<Key: Hashable & Sendable, Snapshot: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let clock: @Sendable () -> Double
    private var entries: [Key: (generation: Int64, snapshot: Snapshot)] = [:]
    private var building: [Key: Double] = [:]
    private var notBefore: [Key: Double] = [:]
    private let restAfterBuild: Double

    /// `restAfterBuild`: after a build that took d, the next build of the same key waits `restAfterBuild` × d
    /// (0: rebuild as soon as asked). A remote database under steady writes is then read in full at most
    /// 1 / (1 + restAfterBuild) of the time; searches in between are answered without the snapshot.
    /// `clock`: seconds, for those durations (default: the system's uptime).
    init(restAfterBuild: Double = 0, clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.restAfterBuild = restAfterBuild
        self.clock = clock
    }

    /// The snapshot of `kb` if it was built at `generation`.
    func snapshot(for kb: Key, generation: Int64) -> Snapshot? {
        lock.withLock {
            guard let entry = entries[kb], entry.generation == generation else { return nil }
            return entry.snapshot
        }
    }

    /// The generation `kb`'s snapshot was built at, if there is one.
    func generation(of kb: Key) -> Int64? {
        lock.withLock { entries[kb]?.generation }
    }

    func store(_ snapshot: Snapshot, for kb: Key, generation: Int64) {
        lock.withLock {
            if let existing = entries[kb], existing.generation > generation { return }
            entries[kb] = (generation, snapshot)
        }
    }

    /// True when the caller should build (no build of `kb` is under way, and the rest after the last one is
    /// over); marks it under way.
    func beginBuilding(_ kb: Key) -> Bool {
        lock.withLock {
            let now = clock()
            if building[kb] != nil { return false }
            if let rest = notBefore[kb], now < rest { return false }
            building[kb] = now
            return true
        }
    }

    func finishBuilding(_ kb: Key) {
        lock.withLock {
            guard let started = building.removeValue(forKey: kb) else { return }
            let now = clock()
            if restAfterBuild > 0 { notBefore[kb] = now + (now - started) * restAfterBuild }
        }
    }

    /// Runs `build` (which stores the snapshot) in a background task unless a build of `kb` is under way or resting;
    /// `failed` hears of its error (searches then carry on without the snapshot).
    func rebuildInBackground(_ kb: Key, build: @escaping @Sendable () async throws -> Void,
                             failed: @escaping @Sendable (any Error) -> Void = { _ in }) {
        guard beginBuilding(kb) else { return }
        Task.detached(priority: .utility) {
            defer { self.finishBuilding(kb) }
            do { try await build() } catch { failed(error) }
        }
    }
}
