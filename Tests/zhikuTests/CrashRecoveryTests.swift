import Foundation
import Testing
import ZhikuTestSupport

/// A real `zhiku` process killed (SIGKILL) in the middle of an ingest, then a real server start that resumes it.
@Suite(.waitsOnProcesses) struct CrashRecoveryTests {
    /// About 1 MB of mixed Chinese and English lines (some 1 400 chunks).
    func bigText() -> String {
        let zh = Array("员工年假申请流程审批规则报销发票差旅合同续签病假证明部门经理系统提交")
        var state: UInt64 = 99
        var lines: [String] = []
        for i in 0..<10_000 {
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
        if r.status != 0 { print("zhiku jobs failed (\(r.status)): \(r.stderr)") }
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    }

    func sqlite(_ data: TemporaryFolder, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = ["-readonly", data.url.appendingPathComponent("zhiku.sqlite").path, sql]
        p.standardError = FileHandle.nullDevice
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The ingest process dies by SIGKILL at each named point (see `FaultInjection`), including in the middle
    /// of the index transaction; a server started afterwards finishes the job with exactly one set of chunks.
    @Test(arguments: ["after-extract", "after-store", "index-midway", "after-index"])
    func killedIngestResumesWhenTheServerStarts(_ fault: String) async throws {
        try await HeavyTestGate.exclusive {            let data = TemporaryFolder(), docs = TemporaryFolder()
            let text = bigText()
            let file = docs.write("big.txt", text)
            // Keyword-only: these points are about chunks and postings (embedding's own point is tested below).
            #expect(try CLI.run(["kb", "create", "big", "--embedding-model", "none"], data: data.url).status == 0)

            let ingest = try CLI.run(["ingest", "--kb", "big", file.path], data: data.url, environment: ["ZHIKU_FAULT": fault])
            #expect(ingest.status == SIGKILL || ingest.status == 128 + SIGKILL, "exit status \(ingest.status): \(ingest.stdout)")
            let killed = try jobs(data).first
            #expect(killed?["status"] as? String == "running")
            let deadline = Date().addingTimeInterval(600)  // waits for the work, however loaded the machine

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

    /// Killed between two embedding batches: the resumed job embeds every chunk exactly once, and vector search
    /// finds them.
    @Test func killedWhileEmbeddingResumes() async throws {
        try await HeavyTestGate.exclusive {            let data = TemporaryFolder(), docs = TemporaryFolder()
            let lines = (0..<200).map { "Section \($0): travel rule \($0) says receipts for trip \($0) are filed within \($0 + 3) days." }
            let text = lines.joined(separator: "\n\n") + "\n\n" + String(repeating: "员工年假申请需要经理审批。", count: 80)
            let file = docs.write("policy.txt", text)
            #expect(try CLI.run(["kb", "create", "policy"], data: data.url).status == 0)
            let ingest = try CLI.run(["ingest", "--kb", "policy", file.path], data: data.url,
                                     environment: ["ZHIKU_FAULT": "embedding-midway"])
            #expect(ingest.status == SIGKILL || ingest.status == 128 + SIGKILL, "exit status \(ingest.status): \(ingest.stdout)")
            let partial = Int(try sqlite(data, "SELECT COUNT(*) FROM vectors")) ?? -1
            #expect(partial > 0, "one batch was stored before the kill")

            let server = CLI.process(["serve", "--port", "0"], data: data.url)
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            var job: [String: Any]? = nil
            let deadline = Date().addingTimeInterval(600)  // waits for the work, however loaded the machine
            while Date() < deadline {
                let r = try CLI.run(["jobs", "--kb", "policy", "--json"], data: data.url)
                job = ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]])?.first
                if let status = job?["status"] as? String, status == "succeeded" || status == "failed" { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            server.terminate()
            server.waitUntilExit()
            #expect(job?["status"] as? String == "succeeded")
            let chunks = try sqlite(data, "SELECT COUNT(*) FROM chunks")
            #expect((Int(chunks) ?? 0) > partial)
            #expect(try sqlite(data, "SELECT COUNT(*) FROM vectors") == chunks, "one vector per chunk")
            #expect(try sqlite(data, "SELECT COUNT(*) FROM vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)") == "0")
            #expect(job?["chunks_embedded"] as? Int == Int(chunks))
            let hits = try CLI.run(["search", "--kb", "policy", "--mode", "vector", "--json", "-k", "1", "年假审批"], data: data.url)
            #expect(hits.stdout.contains("员工年假申请需要经理审批"))
        }
    }
}
