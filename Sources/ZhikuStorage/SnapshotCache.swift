import Foundation
import ZhikuCore
import ZhikuRetrieval

/// In-memory index snapshots per knowledge base, each valid for one index generation.
final class SnapshotCache<Snapshot: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [KnowledgeBase.ID: (generation: Int64, snapshot: Snapshot)] = [:]
    private var building: Set<KnowledgeBase.ID> = []

    /// The snapshot of `kb` if it was built at `generation`.
    func snapshot(for kb: KnowledgeBase.ID, generation: Int64) -> Snapshot? {
        lock.withLock {
            guard let entry = entries[kb], entry.generation == generation else { return nil }
            return entry.snapshot
        }
    }

    func store(_ snapshot: Snapshot, for kb: KnowledgeBase.ID, generation: Int64) {
        lock.withLock {
            if let existing = entries[kb], existing.generation > generation { return }
            entries[kb] = (generation, snapshot)
        }
    }

    /// True when the caller should build (no build of `kb` is under way); marks it under way.
    func beginBuilding(_ kb: KnowledgeBase.ID) -> Bool {
        lock.withLock { building.insert(kb).inserted }
    }

    func finishBuilding(_ kb: KnowledgeBase.ID) {
        _ = lock.withLock { building.remove(kb) }
    }
}
