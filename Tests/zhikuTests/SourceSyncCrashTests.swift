import Foundation
import Testing
import ZhikuTestSupport

/// A sync killed (SIGKILL) between two imports and between two removals, then run again: every file once, each
/// marked as the folder's, nothing left pending, the removed ones gone.
@Suite(.waitsOnProcesses) struct SourceSyncCrashTests {
    /// `zhiku kb sources --json` of knowledge base "docs": (files, pending, failed).
    func status(_ data: URL) throws -> (files: Int, pending: Int, failed: Int) {
        let run = try CLI.run(["kb", "sources", "--kb", "docs", "--json"], data: data)
        let first = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])?.first ?? [:]
        return (first["files"] as? Int ?? -1, first["pending"] as? Int ?? -1, first["failed"] as? Int ?? -1)
    }

    @Test func aSyncKilledMidwayIsFinishedByTheNextWithoutDuplicates() throws {
        let data = TemporaryFolder(), docs = TemporaryFolder()
        for (i, topic) in ["volcano eruption lava", "violin concerto orchestra", "glacier melting ice"].enumerated() {
            docs.write("notes/\(i).txt", "A note about \(topic).")
        }
        // Leases as short as the test can wait out: the killed process's lease on the folder must run out.
        let env = ["ZHIKU_JOB_LEASE_SECONDS": "1"]
        #expect(try CLI.run(["kb", "create", "docs"], data: data.url).status == 0)
        let killed = try CLI.run(["kb", "add-source", "--kb", "docs", docs.url.path], data: data.url,
                                 environment: env.merging(["ZHIKU_FAULT": "sync-after-import"]) { $1 })
        #expect(killed.status != 0, "the first sync was killed after its first import")
        #expect(try status(data.url).files == 1, "one file registered before the crash, already the folder's")

        Thread.sleep(forTimeInterval: 1.5)
        let resumed = try CLI.run(["kb", "sync", "--kb", "docs"], data: data.url, environment: env)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("3 file(s) seen, 2 added"), "\(resumed.stdout)")
        var now = try status(data.url)
        #expect(now.files == 3 && now.pending == 0 && now.failed == 0, "\(now)")
        let search = try CLI.run(["search", "--kb", "docs", "--mode", "keyword", "--json", "volcano"], data: data.url)
        #expect(search.stdout.components(separatedBy: "\"chunk_id\"").count - 1 == 1, "the first file's chunk once: \(search.stdout)")

        // Two deletions, killed after the first removal; the next sync removes the other.
        try FileManager.default.removeItem(at: docs.url.appendingPathComponent("notes/0.txt"))
        try FileManager.default.removeItem(at: docs.url.appendingPathComponent("notes/1.txt"))
        let killedAgain = try CLI.run(["kb", "sync", "--kb", "docs"], data: data.url,
                                      environment: env.merging(["ZHIKU_FAULT": "sync-after-remove"]) { $1 })
        #expect(killedAgain.status != 0)
        #expect(try status(data.url).files == 2)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try CLI.run(["kb", "sync", "--kb", "docs"], data: data.url, environment: env).status == 0)
        now = try status(data.url)
        #expect(now.files == 1 && now.pending == 0, "\(now)")
        let gone = try CLI.run(["search", "--kb", "docs", "--mode", "keyword", "--json", "volcano violin"], data: data.url)
        #expect(gone.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(gone.stdout)")
    }
}
