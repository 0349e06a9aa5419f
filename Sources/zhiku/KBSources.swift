import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

extension KB {
    /// `zhiku kb add-source --kb NAME PATH`: sync a folder into a knowledge base (and sync it once now).
    struct AddSource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-source",
            abstract: "Keep a folder in sync with a knowledge base: new and changed files are ingested, renames moved, deletions removed (now, and by a running server from then on).")
        @OptionGroup var options: DataOptions
        @Option(help: "The knowledge base (name or id).") var kb: String
        @Option(help: "A glob of names to skip besides the defaults (.*, ~$*, *.tmp, …); repeatable.") var ignore: [String] = []
        @Argument(help: "The folder (absolute, or relative to here).") var path: String

        func run() async throws {
            let runtime = try await options.runtime()
            let base = try await runtime.store.resolveKnowledgeBase(kb)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let source = try await SourceSync(runtime: runtime).addFolder(absolute, ignore: ignore, to: base)
            emit("'\(base.name)' now syncs \(source.location) (source \(source.id))")
            try await Sync.syncOnce(runtime, source)
        }
    }

    /// `zhiku kb sources --kb NAME`: the synced folders and how their files stand.
    struct Sources: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a knowledge base's synced folders with their status.")
        @OptionGroup var options: DataOptions
        @Option(help: "The knowledge base (name or id).") var kb: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let runtime = try await options.runtime()
            let base = try await runtime.store.resolveKnowledgeBase(kb)
            var list: [SourceSync.Status] = []
            for source in try await runtime.store.sources(in: base.id) { list.append(try await SourceSync(runtime: runtime).status(of: source)) }
            if json { return try emitJSON(list) }
            if list.isEmpty { emit("'\(base.name)' syncs no folder — add one with: zhiku kb add-source --kb \(base.name) PATH") }
            for s in list {
                let last = s.lastSyncAt.map { ISO8601DateFormatter().string(from: $0) } ?? "never"
                emit("\(s.id)\t\(s.location)\t\(s.files) file(s), \(s.pending) pending, \(s.failed) failed; last sync \(last)"
                     + (s.lastError.map { " — \($0)" } ?? ""))
            }
        }
    }

    /// `zhiku kb sync --kb NAME`: reconcile every synced folder now and ingest what changed.
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync a knowledge base's folders now and ingest what changed.")
        @OptionGroup var options: DataOptions
        @Option(help: "The knowledge base (name or id).") var kb: String

        func run() async throws {
            let runtime = try await options.runtime()
            let base = try await runtime.store.resolveKnowledgeBase(kb)
            let sources = try await runtime.store.sources(in: base.id)
            if sources.isEmpty { throw ZhikuError.notFound("'\(base.name)' syncs no folder (zhiku kb add-source)") }
            for source in sources { try await Self.syncOnce(runtime, source) }
        }

        static func syncOnce(_ runtime: ZhikuRuntime, _ source: KnowledgeSource) async throws {
            let report = try await SourceSync(runtime: runtime).sync(source)
            if report.busy {
                emit("\(source.location): another process is syncing it; try again later")
                return
            }
            // Also the queued jobs of this folder's files that an interrupted earlier run left behind.
            let files = Set(try await runtime.store.files(in: source.knowledgeBaseID).filter { $0.sourceID == source.id }.map(\.id))
            let leftover = try await runtime.store.jobs(in: source.knowledgeBaseID).filter { $0.status == .queued && files.contains($0.fileID) }
            var failed = 0
            try await runtime.drainJobs(ids: Array(Set(report.jobs + leftover.map(\.id))).sorted()) { job in if job.status != .succeeded { failed += 1 } }
            emit("\(source.location): \(report.seen) file(s) seen, \(report.added) added, \(report.moved) moved, \(report.removed) removed, "
                 + "\(report.unchanged) unchanged" + (failed > 0 ? ", \(failed) failed to ingest" : ""))
            for (path, why) in report.failed.sorted(by: { $0.key < $1.key }) { emit("  could not read \(path): \(why)") }
        }
    }
}
