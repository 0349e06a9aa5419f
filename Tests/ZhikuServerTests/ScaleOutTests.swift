import Foundation
import PostgresNIO
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

/// The scale-out deployment for real: two `zhiku serve` processes on one PostgreSQL database (and one data folder
/// for the uploaded bytes), 100 files uploaded through both, one process killed with SIGKILL in the middle of the
/// ingest. The survivor takes over the dead one's jobs once their leases run out; every file ends up ingested
/// exactly once, and both processes answer a search identically.
@Suite struct ScaleOutTests {
    /// Document `i`: a few paragraphs in English and Chinese around the code word `codeword<i>`.
    static func document(_ i: Int) -> String {
        let topics = ["travel expenses", "annual leave", "security badges", "laptop refresh", "parking permits",
                      "expense claims", "remote work", "training budget", "office moves", "visitor access"]
        let chinese = ["差旅报销需要发票", "年假申请提前一周", "门禁卡丢失请报告", "笔记本电脑三年更换", "停车证每年续办",
                       "报销单据月底提交", "远程办公需要审批", "培训预算按部门分配", "搬迁办公室提前通知", "访客需要登记"]
        var state = UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15
        func pick(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        let topic = topics[i % topics.count]
        var paragraphs = ["Policy note \(i) (codeword\(i)) explains \(topic) for team \(i % 7)."]
        for p in 0..<4 {
            let other = topics[pick(topics.count)]
            paragraphs.append("Section \(p): requests about \(topic) and \(other) go to desk \(pick(90) + 10); "
                + "answers arrive within \(pick(9) + 1) days. \(chinese[i % chinese.count])，\(chinese[pick(chinese.count)])。")
        }
        return paragraphs.joined(separator: "\n\n")
    }

    static func port(of baseURL: String) -> Int { Int(baseURL.split(separator: ":").last ?? "") ?? 0 }

    /// A number the database answers (`SELECT COUNT(*) …`).
    static func number(_ database: PostgreSQLDatabase, _ sql: String) async throws -> Int {
        let rows = try await database.rows(PostgresQuery(unsafeSQL: "SELECT (\(sql))::bigint AS n"))
        return try rows[0]["n"]
    }

    @Test func twoServersShareOneDatabaseAndSurviveAKill() async throws {
        try await HeavyTestGate.exclusive {
            let admin = try TestPostgres.url(for: "the two-process scale-out test")
            let name = "zhiku_scaleout_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let url = try await PostgreSQLDatabase.createDatabase(named: name, besides: admin)
            let data = TemporaryFolder()
            // Leases of 15 s, renewed every 5 s: long enough that a process starved of CPU by the rest of the suite keeps
            // its jobs; the dead one's are taken over 15 s after the kill.
            let environment = ["ZHIKU_DATABASE_URL": url, "ZHIKU_JOB_LEASE_SECONDS": "15", "ZHIKU_WORKERS": "1"]
            let a = try CLI.startServer(data: data.url, environment: environment)
            let b = try CLI.startServer(data: data.url, environment: environment)
            var restarted: Process?
            defer {
                for p in [a.process, b.process] + [restarted].compactMap({ $0 }) where p.isRunning { kill(p.processIdentifier, SIGKILL) }
            }
            let portA = Self.port(of: a.baseURL), portB = Self.port(of: b.baseURL)
            let database = try await PostgreSQLDatabase.open(url: url)
            defer { database.close() }

            // A hybrid knowledge base (the default embedding model), created through one process, seen by the other.
            let created = try await TestServer.request(port: portA, .POST, "/api/kbs",
                                                       body: Array(#"{"name":"shared"}"#.utf8),
                                                       headers: [("Content-Type", "application/json")], timeout: 600)
            #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
            let listed = try await TestServer.request(port: portB, .GET, "/api/kbs/shared")
            #expect(listed.status == 200)

            // 100 files in forms of 10, alternately through each process; the first five also through the other one
            // at the same time (the same bytes twice: one file, one job).
            let files = (0..<100).map { (name: "policy-\($0).txt", bytes: Array(Self.document($0).utf8)) }
            func upload(_ batch: [(name: String, bytes: [UInt8])], to port: Int) async throws -> [[String: Any]] {
                let form = TestServer.multipart(batch)
                let reply = try await TestServer.request(port: port, .POST, "/api/kbs/shared/files", body: form.body,
                                                         headers: [("Content-Type", form.contentType)], timeout: 300)
                #expect(reply.status == 202 || reply.status == 200, "upload to \(port): \(reply.status)")
                return reply.json["uploads"] as? [[String: Any]] ?? []
            }
            var uploads: [[String: Any]] = []
            for start in stride(from: 0, to: 100, by: 20) {
                async let first = upload(Array(files[start..<start + 10]), to: portA)
                async let second = upload(Array(files[start + 10..<start + 20]), to: portB)
                async let again = start == 0 ? upload(Array(files[0..<5]), to: portB) : []
                uploads += try await first + second + again
            }
            #expect(uploads.count == 105)
            #expect(uploads.allSatisfy { $0["error"] == nil }, "\(uploads.filter { $0["error"] != nil })")

            // Kill A while it holds a job.
            let clock = ContinuousClock()
            var deadline = clock.now + .seconds(600)
            let ownerA = "%:\(a.process.processIdentifier):%"
            while clock.now < deadline {
                let running = try await Self.number(database, "SELECT COUNT(*) FROM jobs WHERE status = 'running' AND lease_owner LIKE '\(ownerA)'")
                let done = try await Self.number(database, "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'")
                if running > 0 && done > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(a.process.processIdentifier, SIGKILL)
            a.process.waitUntilExit()
            let orphaned = try await database.rows(PostgresQuery(unsafeSQL: """
                SELECT id FROM jobs WHERE status = 'running' AND lease_owner LIKE '\(ownerA)'
                """)).map { row -> Int64 in try row["id"] }
            let finishedBeforeKill = try await Self.number(database, "SELECT COUNT(*) FROM jobs WHERE status IN ('succeeded', 'failed')")
            #expect(!orphaned.isEmpty, "A was killed holding a job")
            #expect(finishedBeforeKill < 100, "the kill came mid-ingest (\(finishedBeforeKill) of 100 done)")
            print("scale-out: killed A holding jobs \(orphaned) with \(finishedBeforeKill) of 100 finished")

            // B finishes everything, A's jobs included once their leases run out.
            deadline = clock.now + .seconds(1200)
            while clock.now < deadline {
                if try await Self.number(database, "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')") == 0 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM files") == 100)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM files WHERE status = 'ready'") == 100)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM jobs") == 100, "one job per file")
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM jobs WHERE status = 'succeeded'") == 100)
            for id in orphaned {
                #expect(try await Self.number(database, "SELECT attempts FROM jobs WHERE id = \(id)") == 2, "job \(id) was taken over once")
            }
            // Exactly one set of chunks per file, each indexed once for keywords and once for vectors.
            let chunks = try await Self.number(database, "SELECT COUNT(*) FROM chunks")
            #expect(chunks >= 100)
            #expect(try await Self.number(database, "SELECT SUM(chunk_count) FROM files") == chunks)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM (SELECT file_id, ordinal FROM chunks GROUP BY 1, 2 HAVING COUNT(*) > 1) d") == 0)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM bm25_documents") == chunks)
            #expect(try await Self.number(database, "SELECT document_count FROM bm25_stats") == chunks)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM vectors") == chunks)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)") == 0)
            #expect(try await Self.number(database, "SELECT COUNT(*) FROM bm25_documents WHERE chunk_id NOT IN (SELECT id FROM chunks)") == 0)

            // A comes back; both answer every search the same way.
            let again = try CLI.startServer(data: data.url, environment: environment)
            restarted = again.process
            let portA2 = Self.port(of: again.baseURL)
            for (query, expected) in [("codeword17", "policy-17.txt"), ("codeword64 parking permits", "policy-64.txt"),
                                      ("年假申请提前一周", nil), ("who handles visitor access requests?", nil)] {
                let path = "/api/kbs/shared/search?mode=hybrid&k=10&q=" + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let fromA = try await TestServer.request(port: portA2, .GET, path, timeout: 300)
                let fromB = try await TestServer.request(port: portB, .GET, path, timeout: 300)
                let hitsA = fromA.json["hits"] as? [[String: Any]] ?? [], hitsB = fromB.json["hits"] as? [[String: Any]] ?? []
                #expect(hitsA.count == 10, "\(query): \(fromA.status)")
                func ranking(_ hits: [[String: Any]]) -> [String] {
                    hits.map { "\(($0["chunk"] as? [String: Any])?["id"] ?? "?") \($0["file_name"] ?? "?") \($0["score"] ?? "?")" }
                }
                #expect(ranking(hitsA) == ranking(hitsB), "\(query): the two processes disagree")
                if let expected { #expect(hitsA.first?["file_name"] as? String == expected, "\(query)") }
            }
        }
    }
}
