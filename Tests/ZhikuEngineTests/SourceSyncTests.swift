import Foundation
import Logging
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuStorage
import ZhikuTestSupport

/// A synced folder through add, change, rename, delete and a restart, on SQLite and on PostgreSQL: chunk counts and
/// search results at each step, no duplicates, no re-embedding on a rename; and one process syncing at a time.
@Suite struct SourceSyncTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A runtime on `folder` (SQLite) or on the PostgreSQL database `url`.
    func runtime(_ folder: TemporaryFolder, url: String?) async throws -> ZhikuRuntime {
        var configuration = ZhikuConfiguration(dataFolder: folder.url)
        configuration.databaseURL = url
        return try await ZhikuRuntime(configuration: configuration, logger: Logger(label: "t"))
    }

    func freshDatabase(_ backend: Backend) async throws -> String? {
        guard backend == .postgres else { return nil }
        let url = try TestPostgres.url(for: "synced folders")
        return try await PostgreSQLDatabase.createDatabase(named: "zhiku_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                                                           besides: url)
    }

    func write(_ docs: URL, _ path: String, _ text: String) throws {
        let url = docs.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Syncs and ingests what it queued; returns the report.
    @discardableResult
    func sync(_ runtime: ZhikuRuntime, _ source: KnowledgeSource) async throws -> SourceSync.Report {
        let fresh = try #require(try await runtime.store.source(id: source.id))
        let report = try await SourceSync(runtime: runtime).sync(fresh)
        try await runtime.drainJobs(ids: report.jobs) { #expect($0.status == .succeeded) }
        return report
    }

    /// (file name, path, chunk count) of every file, by path.
    func state(_ runtime: ZhikuRuntime, _ kb: KnowledgeBase) async throws -> [String: Int] {
        var state: [String: Int] = [:]
        for file in try await runtime.store.files(in: kb.id) { state[file.path ?? "upload:" + file.name] = file.chunkCount }
        return state
    }

    func top(_ runtime: ZhikuRuntime, _ kb: KnowledgeBase, _ query: String) async throws -> String? {
        try await runtime.search(query, in: kb, k: 1, mode: .keyword).hits.first.map { "\($0.fileName):\($0.chunk.text.prefix(21))" }
    }

    @Test(arguments: Backend.allCases)
    func aFolderStaysInSyncThroughChangesRenamesDeletesAndARestart(_ backend: Backend) async throws {
        let folder = TemporaryFolder(), docs = folder.url.appendingPathComponent("docs")
        try write(docs, "hr/leave.txt", "Annual leave must be requested one week in advance.")
        try write(docs, "hr/年假.md", "# 年假\n员工年假需提前一周申请。")
        try write(docs, "it/vpn.txt", "The VPN password rotates every ninety days.")
        try write(docs, ".git/config", "[core] secret")
        try write(docs, "it/~$draft.docx", "lock file")
        let url = try await freshDatabase(backend)
        var runtime = try await runtime(folder, url: url)
        let kb = try await runtime.createKnowledgeBase(name: "synced")
        let source = try await runtime.store.addSource(kind: .folder, location: docs.path, ignore: [], to: kb.id)
        await #expect(throws: ZhikuError.self) { _ = try await runtime.store.addSource(kind: .folder, location: docs.path, ignore: [], to: kb.id) }

        // Added: three files, the ignored ones left out, tags from the folders.
        var report = try await sync(runtime, source)
        #expect(report.seen == 3 && report.added == 3 && report.jobs.count == 3, "\(report)")
        var files = try await runtime.store.files(in: kb.id)
        #expect(Set(files.compactMap(\.path)) == ["hr/leave.txt", "hr/年假.md", "it/vpn.txt"])
        #expect(files.first { $0.path == "it/vpn.txt" }?.tags == ["it"])
        #expect(files.allSatisfy { $0.status == .ready && $0.chunkCount == 1 && $0.sourceID == source.id })
        #expect(try await top(runtime, kb, "VPN password") == "vpn.txt:The VPN password rota")
        let vpnID = try #require(files.first { $0.path == "it/vpn.txt" }?.id)
        let jobsBefore = try await runtime.store.jobs(in: kb.id).count

        // Nothing changed: nothing happens.
        report = try await sync(runtime, source)
        #expect(report.unchanged == 3 && report.added == 0 && report.removed == 0 && report.moved == 0)

        // Changed: the old text leaves the index, the new one arrives.
        try write(docs, "hr/leave.txt", "Annual leave must now be requested two weeks in advance.")
        report = try await sync(runtime, source)
        #expect(report.added == 1 && report.removed == 1, "\(report)")
        #expect(try await top(runtime, kb, "two weeks") == "leave.txt:Annual leave must now")
        #expect(try await runtime.search("one week in advance", in: kb, k: 5, mode: .keyword).hits.allSatisfy { !$0.chunk.text.contains("one week in advance") })

        // Renamed into another folder: the same record and chunks, no new job, the folder tag follows.
        try FileManager.default.createDirectory(at: docs.appendingPathComponent("security"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: docs.appendingPathComponent("it/vpn.txt"), to: docs.appendingPathComponent("security/vpn-policy.txt"))
        let jobsBeforeRename = try await runtime.store.jobs(in: kb.id).count
        report = try await sync(runtime, source)
        #expect(report.moved == 1 && report.added == 0 && report.removed == 0, "\(report)")
        let moved = try #require(try await runtime.store.file(id: vpnID))
        #expect(moved.path == "security/vpn-policy.txt" && moved.name == "vpn-policy.txt" && moved.tags == ["security"])
        #expect(try await runtime.store.jobs(in: kb.id).count == jobsBeforeRename, "a rename queues no ingest (no re-embedding)")
        #expect(try await top(runtime, kb, "VPN password") == "vpn-policy.txt:The VPN password rota")
        #expect(jobsBefore == 3)

        // Deleted: the file and its chunks go.
        try FileManager.default.removeItem(at: docs.appendingPathComponent("hr/年假.md"))
        report = try await sync(runtime, source)
        #expect(report.removed == 1)
        #expect(try await top(runtime, kb, "年假申请") == nil)
        #expect(try await state(runtime, kb) == ["hr/leave.txt": 1, "security/vpn-policy.txt": 1])

        // A restart (a new process on the same data): nothing duplicated, nothing re-ingested.
        runtime = try await self.runtime(folder, url: url)
        report = try await sync(runtime, source)
        #expect(report.unchanged == 2 && report.added == 0 && report.removed == 0 && report.jobs.isEmpty, "\(report)")
        files = try await runtime.store.files(in: kb.id)
        #expect(files.count == 2)
        #expect(try await runtime.store.chunks(in: kb.id, afterID: 0, limit: 100).count == 2)
        let recorded = try #require(try await runtime.store.source(id: source.id))
        #expect(recorded.filesSeen == 2 && recorded.lastError == nil && recorded.lastSyncAt != nil)

        // A folder that is gone: the sync fails, says why, and changes nothing.
        try FileManager.default.moveItem(at: docs, to: folder.url.appendingPathComponent("elsewhere"))
        await #expect(throws: ZhikuError.self) { _ = try await SourceSync(runtime: runtime).sync(recorded) }
        #expect(try await runtime.store.source(id: source.id)?.lastError?.contains("does not exist") == true)
        #expect(try await runtime.store.files(in: kb.id).count == 2)
    }

    /// Two processes on one database: while one holds a source's lease the other's sync does nothing.
    @Test(arguments: Backend.allCases)
    func oneProcessSyncsASourceAtATime(_ backend: Backend) async throws {
        let folder = TemporaryFolder(), docs = folder.url.appendingPathComponent("docs")
        try write(docs, "a.txt", "alpha")
        let url = try await freshDatabase(backend)
        let first = try await runtime(folder, url: url)
        let kb = try await first.createKnowledgeBase(name: "leased")
        let source = try await first.store.addSource(kind: .folder, location: docs.path, ignore: [], to: kb.id)
        #expect(try await first.store.claimSource(id: source.id, for: .seconds(60)))
        let second = try await runtime(folder, url: url)
        if backend == .sqlite {
            // SQLite: one server per data folder; a second store on the same file is another process's view.
            #expect(try await second.store.claimSource(id: source.id, for: .seconds(60)) == false)
        } else {
            #expect(try await SourceSync(runtime: second).sync(source).busy)
        }
        try await first.store.releaseSource(id: source.id)
        #expect(try await second.store.claimSource(id: source.id, for: .seconds(60)))
    }
}
