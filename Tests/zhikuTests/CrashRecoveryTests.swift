import Foundation
import Testing
import ZhikuTestSupport

/// `kill -9` of a real `zhiku` process in the middle of an ingest, then a real server start that resumes it.
@Suite struct CrashRecoveryTests {
    /// About 7 MB of mixed text: long enough to ingest that the kill lands mid-job.
    func bigText() -> String {
        let zh = Array("员工年假申请流程审批规则报销发票差旅合同续签病假证明部门经理系统提交")
        var state: UInt64 = 99
        var lines: [String] = []
        for i in 0..<60_000 {
            var line = ""
            for _ in 0..<20 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                line.append(zh[Int(state >> 33) % zh.count])
            }
            lines.append(line + "。Rule \(i) covers annual leave and travel policy.")
        }
        return lines.joined(separator: "\n")
    }

    func jobs(_ data: TemporaryFolder) throws -> [[String: Any]] {
        let r = try CLI.run(["jobs", "--kb", "big", "--json"], data: data.url)
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    }

    func sqlite(_ data: TemporaryFolder, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [data.url.appendingPathComponent("zhiku.sqlite").path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func killedIngestResumesWhenTheServerStarts() async throws {
        let data = TemporaryFolder(), docs = TemporaryFolder()
        let text = bigText()
        let file = docs.write("big.txt", text)
        #expect(try CLI.run(["kb", "create", "big"], data: data.url).status == 0)

        let ingest = CLI.process(["ingest", "--kb", "big", file.path], data: data.url)
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = FileHandle.nullDevice
        try ingest.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, try jobs(data).first?["status"] as? String != "running" {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(800))
        kill(ingest.processIdentifier, SIGKILL)
        ingest.waitUntilExit()
        #expect(ingest.terminationReason == .uncaughtSignal)
        let killed = try jobs(data).first
        guard killed?["status"] as? String == "running" else {
            Issue.record("the ingest ended before the kill (\(killed?["status"] ?? "no job")); the test proves nothing")
            return
        }

        // A server starts on the same data folder and finishes the job.
        let server = CLI.process(["serve", "--port", "0"], data: data.url)
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let banner = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        #expect(banner.contains("Zhiku listening on http://127.0.0.1:"))
        var job: [String: Any]? = nil
        while Date() < deadline {
            job = try jobs(data).first
            if let status = job?["status"] as? String, status == "succeeded" || status == "failed" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        server.terminate()
        server.waitUntilExit()
        #expect(job?["status"] as? String == "succeeded")
        #expect(job?["attempts"] as? Int == 2)

        // Exactly one set of chunks, and the index counts each once.
        let split = try CLI.run(["split", "--chunk-size", "500", "--chunk-overlap", "50", "--keep-separator-end",
                                 "--separators", #"["\n\n","\n","。","！","？","；","…",". ","! ","? ","; ","，","、",", "," ",""]"#],
                                input: text)
        let expected = try JSONDecoder().decode([String].self, from: Data(split.stdout.utf8)).count
        #expect(expected > 1000)
        #expect(job?["chunks"] as? Int == expected)
        #expect(try sqlite(data, "SELECT COUNT(*) FROM chunks") == "\(expected)")
        #expect(try sqlite(data, "SELECT COUNT(*) FROM bm25_documents") == "\(expected)")
        #expect(try sqlite(data, "SELECT document_count FROM bm25_stats") == "\(expected)")
        #expect(try sqlite(data, "SELECT COUNT(*) FROM bm25_documents WHERE chunk_id NOT IN (SELECT id FROM chunks)") == "0")
        let hits = try CLI.run(["search", "--kb", "big", "--json", "-k", "3", "Rule 4242"], data: data.url)
        #expect(hits.stdout.contains("Rule 4242 covers"))
    }
}
