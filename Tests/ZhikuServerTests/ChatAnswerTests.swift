import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// `POST /api/chat` end to end: real server, real ingestion, real models, Server-Sent Events read back.
@Suite struct ChatAnswerTests {
    func events(_ body: [UInt8]) -> [(name: String, data: [String: Any])] { TestServer.events(body) }

    /// Questions and messages have length limits: a 400 saying so, before anything is tokenized.
    @Test func longQuestionsAndMessagesAreRefused() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        _ = try await server.json(.POST, "/api/kbs", ["name": "hr"])
        let long = String(repeating: "年假", count: 2001)
        for body: [String: Any] in [["kb": "hr", "question": long], ["question": long]] {
            let reply = try await server.json(.POST, "/api/chat", body)
            #expect(reply.status == 400)
            let error = reply.json["error"] as? [String: Any]
            #expect((error?["message"] as? String)?.contains("4002 characters; the limit is 4000") == true, "\(reply.json)")
        }
        let history = (0..<20).map { _ in ["role": "user", "content": String(repeating: "x", count: 3500)] }
        let many = try await server.json(.POST, "/api/chat", ["question": "hi", "messages": history])
        #expect(many.status == 400)
        let huge = try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:hr", "messages": [["role": "user", "content": String(repeating: "a", count: 1_500_000)]]])
        #expect(huge.status == 400)
        #expect(((huge.json["error"] as? [String: Any])?["message"] as? String)?.contains("the limit is 64000") == true)
        let plain = try await server.json(.POST, "/v1/chat/completions", [
            "messages": [["role": "user", "content": String(repeating: "a", count: 70_000)]]])
        #expect(plain.status == 400)
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    @Test func answersWithCitationsAndSaysWhenNothingIsFound() async throws {
        guard (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil else {
            try Skip.now("model \(LlamaGenerator.defaultModelID) not found (scripts/fetch-models.sh fetches it)")
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
            let job = try await server.waitForJob((u["job"] as! [String: Any])["id"] as! Int, timeout: .seconds(600))
            #expect(job["status"] as? String == "succeeded")
        }

        let reply = try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "How early must annual leave be requested?", "max_tokens": 40])
        #expect(reply.status == 200)
        let stream = events(reply.body)
        // A new chat: the conversation first (the page knows it even if it stops the answer), then the sources.
        #expect(stream.map(\.name).prefix(2) == ["conversation", "citations"])
        let startedID = stream.first?.data["conversation_id"] as? Int
        #expect(startedID != nil)
        #expect(stream.last?.data["conversation_id"] as? Int == startedID, "done names the same conversation")
        let citations = stream.dropFirst().first?.data["citations"] as? [[String: Any]] ?? []
        #expect(citations.first?["file_name"] as? String == "handbook.pdf")
        #expect(citations.first?["page"] as? Int == 2)
        #expect(citations.first?["n"] as? Int == 1)
        #expect((citations.first?["snippet"] as? String)?.contains("one week in advance") == true)
        let tokens = stream.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }
        #expect(tokens.count > 3, "the answer streams in pieces")
        // Between the sources and the first token: progress while the model reads the prompt, ending at its length.
        let names = stream.map(\.name)
        let progress = stream.filter { $0.name == "progress" }.map(\.data)
        #expect(!progress.isEmpty, "progress events while the prompt is read")
        if let lastProgress = names.lastIndex(of: "progress"), let firstToken = names.firstIndex(of: "token") {
            #expect(names.firstIndex(of: "citations")! < names.firstIndex(of: "progress")!)
            #expect(lastProgress < firstToken, "progress comes before the first token")
        }
        let done = progress.compactMap { $0["prompt_tokens_done"] as? Int }
        #expect(done == done.sorted(), "progress only grows: \(done)")
        #expect(progress.last?["prompt_tokens_done"] as? Int == progress.last?["prompt_tokens_total"] as? Int)
        #expect(!tokens.joined().isEmpty)
        let finished = stream.last
        #expect(finished?.name == "done")
        #expect(finished?.data["not_found"] as? Bool == false, "answer: \(tokens.joined())")
        let stats = finished?.data["stats"] as? [String: Any]
        #expect(stats?["prompt_tokens"] as? Int == progress.last?["prompt_tokens_total"] as? Int)
        #expect(stats?["model"] as? String == LlamaGenerator.defaultModelID)
        #expect((stats?["completion_tokens"] as? Int ?? 0) > 0)
        #expect(stats?["first_token_ms"] != nil)

        // Nothing relevant: a refusal in the question's language, no sources, no model call.
        let absent = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "量子计算机的纠错码是怎么工作的？"]).body)
        #expect(absent.map(\.name) == ["conversation", "citations", "token", "done"])
        #expect((absent[1].data["citations"] as? [Any])?.isEmpty == true)
        #expect((absent[2].data["text"] as? String) == Answerer.notFoundReply(for: "量子"))
        #expect((absent[2].data["text"] as? String)?.contains("知识库") == true)
        #expect(absent[3].data["not_found"] as? Bool == true)

        // Bad input answers before any stream starts.
        #expect(try await server.json(.POST, "/api/chat", ["kb": "nope", "question": "x"]).status == 404)
        #expect(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "  "]).status == 400)
        let unknownModel = try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "How early must annual leave be requested?", "model": "gpt-17"])
        #expect(unknownModel.status == 400)
        #expect(unknownModel.errorCode == "invalid_input")
        #expect(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "x", "mode": "poetry"]).status == 400)
        #expect(try await server.json(.POST, "/api/chat", ["question": "x", "mode": "extractive"]).status == 400)
        #expect(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "x", "conversation_id": 999]).status == 404)

        // The answered question was stored as a conversation: both messages, the citations, the stats.
        let conversationID = try #require(finished?.data["conversation_id"] as? Int)
        let stored = try await server.request(.GET, "/api/conversations/\(conversationID)").json
        #expect((stored["conversation"] as? [String: Any])?["title"] as? String == "How early must annual leave be requested?")
        let messages = stored["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant"])
        #expect(messages.last?["content"] as? String == tokens.joined())
        #expect(((messages.last?["citations"] as? [[String: Any]])?.first)?["file_name"] as? String == "handbook.pdf")
        #expect((messages.last?["stats"] as? [String: Any])?["completion_tokens"] as? Int == stats?["completion_tokens"] as? Int)

        // A follow-up in the same conversation: its stored messages are the history.
        let followUp = events(try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "Which portal is used for annual leave?", "conversation_id": conversationID,
            "max_tokens": 30]).body)
        #expect(followUp.last?.data["conversation_id"] as? Int == conversationID)
        let renamed = try await server.json(.PATCH, "/api/conversations/\(conversationID)", ["title": "年假 leave"])
        #expect(renamed.json["title"] as? String == "年假 leave")
        #expect(renamed.json["message_count"] as? Int == 4)

        // Extractive mode: no language model, the sentence that answers, quoted with its number.
        let extractive = events(try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "When does the canteen open?", "mode": "extractive", "store": false]).body)
        #expect(extractive.map(\.name) == ["citations", "token", "done"])
        #expect(extractive[1].data["text"] as? String == "[1] The canteen opens at noon and closes at two.")
        #expect((extractive[0].data["citations"] as? [[String: Any]])?.first?["file_name"] as? String == "canteen.txt")
        #expect((extractive[2].data["stats"] as? [String: Any])?["finish_reason"] as? String == "extractive")
        #expect(extractive[2].data["conversation_id"] == nil, "store: false keeps it out of the conversations")

        let list = try await server.request(.GET, "/api/conversations").json["conversations"] as? [[String: Any]] ?? []
        #expect(list.count == 2, "the answered question and the not-found one; not the unstored extractive one")
        #expect(list.first?["id"] as? Int == conversationID, "most recently updated first")

        // The audit log has every question with the chunks retrieved and their scores.
        let audit = try await server.request(.GET, "/api/audit?kb=hr").json["entries"] as? [[String: Any]] ?? []
        let reasons = audit.map { $0["finish_reason"] as? String ?? "" }
        #expect(reasons.count == 4)
        #expect(reasons.first == "extractive" && reasons.dropFirst(2).first == "not_found")
        #expect(Set([reasons[1], reasons[3]]).isSubset(of: ["stop", "length"]), "the two generated answers")
        let refused = audit.first { $0["finish_reason"] as? String == "not_found" }
        #expect(refused?["question"] as? String == "量子计算机的纠错码是怎么工作的？")
        #expect((refused?["retrieved"] as? [[String: Any]])?.isEmpty == false, "the chunks that did not pass the gate")
        #expect((audit.last?["retrieved"] as? [[String: Any]])?.first?["vector_score"] as? Double != nil)
        #expect(audit.last?["model"] as? String == LlamaGenerator.defaultModelID)
        #expect(audit.last?["channel"] as? String == "api")
        #expect(try await server.request(.GET, "/api/audit?since=yesterday").status == 400)

        #expect(try await server.request(.DELETE, "/api/conversations/\(conversationID)").status == 204)
        #expect(try await server.request(.GET, "/api/conversations/\(conversationID)").status == 404)
        #expect(try await server.request(.DELETE, "/api/conversations/\(conversationID)").status == 404)

        // The knowledge base as an OpenAI model: kb:hr, streamed and not, with Zhiku's citations alongside.
        let models = try await server.request(.GET, "/v1/models").json["data"] as? [[String: Any]] ?? []
        #expect(models.contains { $0["id"] as? String == "kb:hr" })
        let completion = try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:hr", "max_tokens": 30, "temperature": 0,
            "messages": [["role": "user", "content": "How early must annual leave be requested?"]]]).json
        #expect(completion["model"] as? String == "kb:hr")
        let choice = (completion["choices"] as? [[String: Any]])?.first
        #expect(((choice?["message"] as? [String: Any])?["content"] as? String)?.isEmpty == false)
        #expect((completion["citations"] as? [[String: Any]])?.first?["page"] as? Int == 2)
        let refusal = try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:hr", "stream": true,
            "messages": [["role": "user", "content": "量子计算机的纠错码是怎么工作的？"]]])
        let lines = String(decoding: refusal.body, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("data: ") }
        #expect(lines.last == "data: [DONE]")
        #expect(lines.contains { $0.contains("知识库中没有找到") })
        #expect(lines.contains { $0.contains("\"not_found\":true") })
        // Zhiku's `filters` extension: limited to no file, the answer says so.
        let filtered = try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:hr", "filters": ["tags": ["no-such-tag"]],
            "messages": [["role": "user", "content": "How early must annual leave be requested?"]]]).json
        let filteredText = ((filtered["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        #expect(filteredText == "No file in the knowledge base matches the filter, so there is nothing to answer from.")
        #expect(try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:hr", "filters": ["after": "someday"], "messages": [["role": "user", "content": "x"]]]).status == 400)
        #expect(try await server.json(.POST, "/v1/chat/completions", [
            "model": "kb:nope", "messages": [["role": "user", "content": "x"]]]).status == 404)
        let openAIAudit = try await server.request(.GET, "/api/audit?limit=3").json["entries"] as? [[String: Any]] ?? []
        #expect(openAIAudit.map { $0["channel"] as? String } == ["openai", "openai", "openai"])
    }
}
