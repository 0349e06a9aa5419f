import Foundation
import Logging
import ServiceLifecycle
import ZhikuCore
import ZhikuEngine
import ZhikuIngest

/// Keeps every synced folder in sync while the server runs: a folder is reconciled (``SourceSync``) when it was
/// never synced, two seconds after the last change inotify reported in it (so a copy of many files is one sync),
/// and every ``ZhikuConfiguration/syncIntervalSeconds`` in any case (mounted shares do not always report changes).
/// On PostgreSQL several servers may run this: each source's lease lets one of them sync it at a time.
public struct SourceWatcher: Service {
    private let runtime: ZhikuRuntime
    private let tick: Duration
    /// How long a folder must be quiet after a change before it is synced.
    static let settle = Duration.seconds(2)

    public init(runtime: ZhikuRuntime, tick: Duration = .seconds(1)) {
        self.runtime = runtime
        self.tick = tick
    }

    public func run() async throws {
        let interval = runtime.configuration.syncIntervalSeconds
        guard interval > 0 else { return }
        await cancelWhenGracefulShutdown { await loop(interval: .seconds(interval)) }
    }

    private func loop(interval: Duration) async {
        let clock = ContinuousClock()
        var watchers: [KnowledgeSource.ID: FolderWatcher] = [:]
        var lastSync: [KnowledgeSource.ID: ContinuousClock.Instant] = [:]
        var changedAt: [KnowledgeSource.ID: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            do {
                var current: Set<KnowledgeSource.ID> = []
                for kb in try await runtime.store.knowledgeBases() {
                    for source in try await runtime.store.sources(in: kb.id) {
                        current.insert(source.id)
                        let folder = FolderDocumentSource(source)
                        let watcher: FolderWatcher
                        if let known = watchers[source.id] { watcher = known } else {
                            watcher = FolderWatcher()
                            watcher.watch(folder.root.path, isIgnored: folder.isIgnored)
                            watchers[source.id] = watcher
                        }
                        if watcher.changed() { changedAt[source.id] = clock.now }
                        let settled = changedAt[source.id].map { clock.now - $0 >= Self.settle } ?? false
                        let due = lastSync[source.id].map { clock.now - $0 >= interval } ?? true
                        guard settled || due else { continue }
                        changedAt[source.id] = nil
                        lastSync[source.id] = clock.now
                        do {
                            let report = try await SourceSync(runtime: runtime).sync(source)
                            if report.added + report.moved + report.removed > 0 {
                                runtime.logger.info("synced \(source.location): \(report.added) added, \(report.moved) moved, \(report.removed) removed")
                            }
                        } catch {
                            // Recorded on the source (its status shows it); tried again at the next interval.
                        }
                        watcher.watch(folder.root.path, isIgnored: folder.isIgnored)  // folders made since
                    }
                }
                for id in watchers.keys where !current.contains(id) { watchers[id] = nil }
            } catch {
                if Task.isCancelled { return }
                runtime.logger.error("the source watcher could not list sources (retrying): \(error)")
            }
            try? await Task.sleep(for: tick)
        }
    }
}
