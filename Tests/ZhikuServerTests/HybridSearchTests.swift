import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport

/// Hybrid search and embedding-model switches over real HTTP, with the real built-in models.
@Suite struct HybridSearchTests {
    let documents: [(String, String)] = [
        ("leave.txt", "员工年假申请流程：员工需提前三天在系统中提交年假申请，经部门经理批准后生效。"),
        ("travel.txt", "Travel policy: economy class only; hotel receipts must be filed within thirty days."),
        ("security.txt", "Passwords must be rotated every ninety days and never shared with colleagues."),
    ]

    func upload(_ server: TestServer, kb: Int, embedded: Bool = true) async throws {
        for (name, text) in documents {
            let reply = try await server.request(.POST, "/api/kbs/\(kb)/files?name=\(name)", body: Array(text.utf8))
            let job = ((reply.json["uploads"] as! [[String: Any]])[0]["job"] as! [String: Any])["id"] as! Int
            let done = try await server.waitForJob(job)
            #expect(done["status"] as? String == "succeeded")
            #expect(done["chunks_embedded"] as? Int == (embedded ? done["chunks"] as? Int : 0))
        }
    }

    func hits(_ server: TestServer, kb: Int, _ query: String, mode: String? = nil) async throws -> (mode: String?, model: String?, hits: [[String: Any]]) {
        let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let reply = try await server.request(.GET, "/api/kbs/\(kb)/search?q=\(q)&k=3" + (mode.map { "&mode=\($0)" } ?? ""))
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        return (reply.json["mode"] as? String, reply.json["embedding_model"] as? String, reply.json["hits"] as? [[String: Any]] ?? [])
    }

    @Test func hybridIsTheDefaultAndShowsBothContributions() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let created = try await server.json(.POST, "/api/kbs", ["name": "policies"])
        #expect(created.json["embedding_model"] as? String == "multilingual-e5-small")
        let kb = created.json["id"] as! Int
        try await upload(server, kb: kb)

        let result = try await hits(server, kb: kb, "how many days to file hotel receipts")
        #expect(result.mode == "hybrid")
        #expect(result.model == "multilingual-e5-small")
        let top = result.hits.first
        #expect(top?["file_name"] as? String == "travel.txt")
        #expect(top?["keyword_rank"] as? Int == 1)
        #expect(top?["vector_rank"] as? Int == 1)
        #expect((top?["score"] as? Double ?? 0) > 0)

        // No shared words at all ("rest day"): only the vector side can find it, and the hit says so.
        let semantic = try await hits(server, kb: kb, "休息日")
        #expect(semantic.hits.first?["file_name"] as? String == "leave.txt")
        #expect(semantic.hits.first?["keyword_rank"] == nil)
        let keyword = try await hits(server, kb: kb, "passwords", mode: "keyword")
        #expect(keyword.hits.map { $0["file_name"] as? String } == ["security.txt"])

        #expect(try await server.request(.GET, "/api/kbs/\(kb)/search?q=x&mode=fuzzy").status == 400)
    }

    @Test func keywordOnlyKnowledgeBases() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let created = try await server.json(.POST, "/api/kbs", ["name": "plain", "embedding_model": "none"])
        #expect(created.status == 201)
        #expect(created.json["embedding_model"] == nil)
        let kb = created.json["id"] as! Int
        try await upload(server, kb: kb, embedded: false)
        let result = try await hits(server, kb: kb, "passwords")
        #expect(result.mode == "keyword", "hybrid falls back to keyword search")
        let vector = try await server.request(.GET, "/api/kbs/\(kb)/search?q=passwords&mode=vector")
        #expect(vector.status == 400)
        #expect(vector.errorCode == "invalid_input")

        let unknown = try await server.json(.POST, "/api/kbs", ["name": "typo", "embedding_model": "no-such-model"])
        #expect(unknown.status == 400)
        #expect(try await server.request(.GET, "/api/kbs/typo").status == 404, "nothing was created")
    }

    @Test func switchingModelsReembedsAndSwapsAtomically() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let kb = try await server.json(.POST, "/api/kbs", ["name": "switch"]).json["id"] as! Int
        try await upload(server, kb: kb)
        let before = try await hits(server, kb: kb, "hotel receipts", mode: "vector")
        #expect(before.model == "multilingual-e5-small")

        let patch = try await server.json(.PATCH, "/api/kbs/\(kb)", ["embedding_model": "all-minilm-l6-v2"])
        #expect(patch.status == 202 || patch.status == 200)
        var state: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(600)  // waits for work, however loaded the machine
        repeat {
            // Searches keep working while the new index is built.
            #expect(try await hits(server, kb: kb, "hotel receipts").hits.first?["file_name"] as? String == "travel.txt")
            state = try await server.request(.GET, "/api/kbs/\(kb)").json
            if state["pending_embedding_model"] == nil { break }
            try await Task.sleep(for: .milliseconds(100))
        } while Date() < deadline
        #expect(state["embedding_model"] as? String == "all-minilm-l6-v2")
        let after = try await hits(server, kb: kb, "hotel receipts", mode: "vector")
        #expect(after.model == "all-minilm-l6-v2")
        #expect(after.hits.first?["file_name"] as? String == "travel.txt")
        // The old model's vectors are gone: one space, one vector per chunk.
        let spaces = try await server.runtime.vectorIndex.spaces(of: Int64(kb))
        #expect(spaces.map(\.model) == ["all-minilm-l6-v2"])
        #expect(try await server.runtime.vectorIndex.chunkIDs(in: spaces[0]).count == 3)

        // New uploads are embedded with the new model; an unknown model is refused and changes nothing.
        let bad = try await server.json(.PATCH, "/api/kbs/\(kb)", ["embedding_model": "nope"])
        #expect(bad.status == 400)
        #expect(try await server.request(.GET, "/api/kbs/\(kb)").json["embedding_model"] as? String == "all-minilm-l6-v2")
        let none = try await server.json(.PATCH, "/api/kbs/\(kb)", ["embedding_model": "none"])
        #expect(none.status == 200)
        #expect(try await hits(server, kb: kb, "hotel receipts").mode == "keyword")
        #expect(try await server.runtime.vectorIndex.spaces(of: Int64(kb)).isEmpty)
    }
}
