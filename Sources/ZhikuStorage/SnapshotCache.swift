import Foundation
import ZhikuCore
import ZhikuRetrieval

/// In-memory index snapshots per key (a knowledge base, a vector space), each valid for one index generation.
final class SnapshotCache<Key: Hashable & Sendable, Snapshot: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Key: (generation: Int64, snapshot: Snapshot)] = [:]
    private var building: Set<Key> = []

    /// The snapshot of `kb` if it was built at `generation`.
    func snapshot(for kb: Key, generation: Int64) -> Snapshot? {
        lock.withLock {
            guard let entry = entries[kb], entry.generation == generation else { return nil }
            return entry.snapshot
        }
    }

    func store(_ snapshot: Snapshot, for kb: Key, generation: Int64) {
        lock.withLock {
            if let existing = entries[kb], existing.generation > generation { return }
            entries[kb] = (generation, snapshot)
        }
    }

    /// True when the caller should build (no build of `kb` is under way); marks it under way.
    func beginBuilding(_ kb: Key) -> Bool {
        lock.withLock { building.insert(kb).inserted }
    }

    func finishBuilding(_ kb: Key) {
        _ = lock.withLock { building.remove(kb) }
    }
}
