import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// `POST /api/chat` end to end: real server, real ingestion, real models, Server-Sent Events read back.
@Suite struct ChatAnswerTests {
    /// The events of an SSE body, in order, with their JSON data.
    func events(_ body: [UInt8]) -> [(name: String, data: [String: Any])] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            var name = "", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !name.isEmpty else { return nil }
            return (name, (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:])
        }
    }

    @Test func answersWithCitationsAndSaysWhenNothingIsFound() async throws {
        guard (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil else {
            return print("skipped: model \(LlamaGenerator.defaultModelID) not found (scripts/fetch-models.sh fetches it)")
        }
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let kb = try await server.json(.POST, "/api/kbs", ["name": "hr"]).json["id"] as! Int
        let report = TestDocuments.pdf(pages: [
            ["Company handbook", "Welcome to the company."],
            ["Annual leave: employees must request annual leave one week in advance using the HR portal."],
        ])
        let form = TestServer.multipart([("handbook.pdf", report),
                                         ("canteen.txt", Array("The canteen opens at noon and closes at two.".utf8))])
        let upload = try await server.request(.POST, "/api/kbs/\(kb)/files", body: form.body,
                                              headers: [("Content-Type", form.contentType)])
        for u in upload.json["uploads"] as! [[String: Any]] {
            let job = try await server.waitForJob((u["job"] as! [String: Any])["id"] as! Int, timeout: .seconds(120))
            #expect(job["status"] as? String == "succeeded")
        }

        let reply = try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "How early must annual leave be requested?", "max_tokens": 40])
        #expect(reply.status == 200)
        let stream = events(reply.body)
        #expect(stream.first?.name == "citations")
        let citations = stream.first?.data["citations"] as? [[String: Any]] ?? []
        #expect(citations.first?["file_name"] as? String == "handbook.pdf")
        #expect(citations.first?["page"] as? Int == 2)
        #expect(citations.first?["n"] as? Int == 1)
        #expect((citations.first?["snippet"] as? String)?.contains("one week in advance") == true)
        let tokens = stream.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }
        #expect(tokens.count > 3, "the answer streams in pieces")
        #expect(!tokens.joined().isEmpty)
        let done = stream.last
        #expect(done?.name == "done")
        #expect(done?.data["not_found"] as? Bool == false)
        let stats = done?.data["stats"] as? [String: Any]
        #expect(stats?["model"] as? String == LlamaGenerator.defaultModelID)
        #expect((stats?["completion_tokens"] as? Int ?? 0) > 0)
        #expect(stats?["first_token_ms"] != nil)

        // Nothing relevant: a refusal in the question's language, no sources, no model call.
        let absent = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "量子计算机的纠错码是怎么工作的？"]).body)
        #expect(absent.map(\.name) == ["citations", "token", "done"])
        #expect((absent[0].data["citations"] as? [Any])?.isEmpty == true)
        #expect((absent[1].data["text"] as? String) == Answerer.notFoundReply(for: "量子"))
        #expect((absent[1].data["text"] as? String)?.contains("知识库") == true)
        #expect(absent[2].data["not_found"] as? Bool == true)

        // Bad input answers before any stream starts.
        #expect(try await server.json(.POST, "/api/chat", ["kb": "nope", "question": "x"]).status == 404)
        #expect(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "  "]).status == 400)
        let unknownModel = events(try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "How early must annual leave be requested?", "model": "gpt-17"]).body)
        #expect(unknownModel.last?.name == "error")
    }
}
