import Foundation
import Testing
import ZhikuStorage
import ZhikuTestSupport

/// `zhiku migrate` for real: an SQLite data folder made with the CLI (a hybrid and a keyword-only knowledge base,
/// a user, an API key, answered questions) copied into PostgreSQL — killed half-way, then resumed — and back into a
/// new data folder; every copy verified, and searches answer the same from all three.
@Suite(.waitsOnProcesses) struct MigrateCommandTests {
    static func document(_ i: Int) -> String {
        (0..<30).map { p in
            "Paragraph \(p) of policy \(i): travel rule \(p * i) says receipts are filed within \(p + i) days. 员工年假申请需要经理审批，第\(p)条。"
        }.joined(separator: "\n\n")
    }

    static func search(_ arguments: [String], data: URL, environment: [String: String] = [:]) throws -> [Hit] {
        let r = try CLI.run(["search"] + arguments + ["--json", "-k", "8"], data: data, environment: environment)
        #expect(r.status == 0, "search: \(r.stderr)")
        let hits = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
        return hits.map { Hit(chunk: "\($0["chunk_id"] ?? "?") \($0["file_name"] ?? "?")", score: ($0["score"] as? Double) ?? -1) }
    }

    /// A search result as compared across stores: the same chunks in the same order, scores within 1e-4 (pgvector
    /// adds a dot product up in single precision, Zhiku's exact search in double; rounding both to five decimals
    /// split 0.281605 into 0.28160 and 0.28161).
    struct Hit: Equatable, CustomStringConvertible {
        var chunk: String
        var score: Double
        static func == (a: Hit, b: Hit) -> Bool { a.chunk == b.chunk && abs(a.score - b.score) < 1e-4 }
        var description: String { chunk + " " + String(format: "%.6f", score) }
    }

    @Test func anSQLiteFolderGoesToPostgreSQLAndBack() async throws {
        try await HeavyTestGate.exclusive {
            let admin = try TestPostgres.url(for: "zhiku migrate")
            let name = "zhiku_migrate_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let url = try await PostgreSQLDatabase.createDatabase(named: name, besides: admin)
            let data = TemporaryFolder(), docs = TemporaryFolder(), back = TemporaryFolder()
            let files = (1...3).map { docs.write("policy-\($0).txt", Self.document($0)) }
            #expect(try CLI.run(["kb", "create", "hr"], data: data.url).status == 0)
            #expect(try CLI.run(["kb", "create", "kw", "--embedding-model", "none"], data: data.url).status == 0)
            #expect(try CLI.run(["ingest", "--kb", "hr", files[0].path, files[1].path], data: data.url).status == 0)
            #expect(try CLI.run(["ingest", "--kb", "kw", files[1].path, files[2].path], data: data.url).status == 0)
            #expect(try CLI.run(["user", "create", "ana", "--password", "correct horse"], data: data.url).status == 0)
            #expect(try CLI.run(["key", "create", "--user", "ana", "--name", "laptop"], data: data.url).status == 0)
            #expect(try CLI.run(["ask", "--kb", "hr", "--extractive", "How fast are receipts filed under travel rule 12?"], data: data.url).status == 0)
            #expect(try CLI.run(["ask", "--kb", "kw", "--extractive", "员工年假申请需要谁审批？"], data: data.url).status == 0)

            // Killed (SIGKILL) right after the chunks were copied; the second run resumes after them.
            let killed = try CLI.run(["migrate", "--to", url], data: data.url, environment: ["ZHIKU_FAULT": "migrate-chunks"])
            #expect(killed.status == SIGKILL || killed.status == 128 + SIGKILL, "exit \(killed.status): \(killed.stderr)")
            let resumed = try CLI.run(["migrate", "--to", url], data: data.url)
            #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
            let lines = resumed.stdout.split(separator: "\n").map(String.init)
            func copiedNow(_ table: String) -> Int? {
                lines.first { $0.hasPrefix(table + " ") }.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[2]) }
            }
            #expect(copiedNow("chunks") == 0, "chunks were copied before the kill")
            #expect((copiedNow("jobs") ?? 0) == 4, "jobs were not")
            #expect((copiedNow("audit_log") ?? 0) == 2)
            #expect(!resumed.stdout.contains("DIFFERENT"))
            #expect(resumed.stdout.contains("verified:"))
            #expect(resumed.stdout.contains("vectors hr / multilingual-e5-small"))

            // The same answers from PostgreSQL.
            let onPostgres = ["ZHIKU_DATABASE_URL": url]
            for arguments in [["--kb", "hr", "travel rule 12 receipts 年假"], ["--kb", "kw", "年假审批 policy 3"],
                              ["--kb", "hr", "--mode", "vector", "经理审批"]] {
                let original = try Self.search(arguments, data: data.url)
                #expect(!original.isEmpty)
                let migrated = try Self.search(arguments, data: data.url, environment: onPostgres)
                #expect(migrated == original, "\(arguments): \(migrated) vs \(original)")
            }
            let users = try CLI.run(["user", "list"], data: data.url, environment: onPostgres)
            #expect(users.stdout.contains("ana"))

            // And back into a new data folder, with the uploaded bytes.
            let home = try CLI.run(["migrate", "--to", back.url.path], data: data.url, environment: onPostgres)
            #expect(home.status == 0, "\(home.stdout)\n\(home.stderr)")
            #expect(home.stdout.contains("verified:"))
            for arguments in [["--kb", "hr", "travel rule 12 receipts 年假"], ["--kb", "kw", "年假审批 policy 3"]] {
                #expect(try Self.search(arguments, data: back.url) == Self.search(arguments, data: data.url), "\(arguments)")
            }
            let blobs = back.url.appendingPathComponent("blobs")
            let stored = try FileManager.default.contentsOfDirectory(atPath: blobs.path).flatMap {
                try FileManager.default.contentsOfDirectory(atPath: blobs.appendingPathComponent($0).path)
            }
            #expect(stored.count == 3, "the three documents' bytes: \(stored)")
            // A knowledge base created afterwards gets a new id on PostgreSQL (the id counter moved past the copied ones).
            let created = try CLI.run(["kb", "create", "later"], data: data.url, environment: onPostgres)
            #expect(created.stdout.contains("(id 3,"), "\(created.stdout)")
            // The same target twice is refused with one line.
            let same = try CLI.run(["migrate", "--to", data.url.path], data: data.url)
            #expect(same.status != 0 && same.stderr.contains("--to names the database being copied"))
        }
    }
}
