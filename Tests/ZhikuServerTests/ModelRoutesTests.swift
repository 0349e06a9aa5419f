import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// Chat models switched at run time, with the OpenAI-compatible backend pointed at a second Zhiku process that
/// serves its built-in model over /v1/chat/completions — real HTTP both ways: an answer over SSE, a client that
/// hangs up mid-stream, a backend that goes away.
@Suite struct ModelRoutesTests {
    @Test func answersThroughASecondZhikuAndSurvivesHangUpsAndOutages() async throws {
        guard (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil else {
            try Skip.now("model \(LlamaGenerator.defaultModelID) not found (scripts/fetch-models.sh fetches it)")
        }
        let backendData = TemporaryFolder()
        let (backend, base) = try CLI.startServer(data: backendData.url)
        defer { if backend.isRunning { backend.terminate(); backend.waitUntilExit() } }
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let kb = try await server.json(.POST, "/api/kbs", ["name": "notes", "embedding_model": "none"]).json["id"] as! Int
        let form = TestServer.multipart([("paris.txt", Array("The capital of France is Paris. Paris lies on the Seine.".utf8))])
        let upload = try await server.request(.POST, "/api/kbs/\(kb)/files", body: form.body,
                                              headers: [("Content-Type", form.contentType)])
        let job = (upload.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any]
        #expect(try await server.waitForJob(job?["id"] as? Int ?? -1)["status"] as? String == "succeeded")

        // Configure the remote model by name and make it the default: no restart.
        let saved = try await server.json(.PUT, "/api/models/chat/remote", [
            "provider": "openai", "base_url": base, "model": LlamaGenerator.defaultModelID, "api_key": "secret-key"])
        #expect(saved.status == 200)
        #expect(saved.json["api_key"] as? String == "***", "a key is never sent back")
        #expect(try await server.json(.PUT, "/api/models/default", ["chat_model": "remote"]).json["default_chat_model"] as? String == "remote")
        #expect(try await server.json(.PUT, "/api/models/default", ["chat_model": "gpt-17"]).status == 400)
        #expect(try await server.json(.PUT, "/api/models/chat/bad", ["provider": "openai", "model": "m"]).status == 400)
        let test = try await server.request(.POST, "/api/models/chat/remote/test").json
        #expect(test["ok"] as? Bool == true)

        let answer = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "notes", "question": "What is the capital of France?", "max_tokens": 24]).body)
        #expect(answer.map(\.name).prefix(2) == ["conversation", "citations"])
        #expect(((answer.dropFirst().first?.data["citations"] as? [[String: Any]])?.first)?["file_name"] as? String == "paris.txt")
        let text = answer.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(text.contains("Paris"))
        #expect(answer.last?.name == "done")
        #expect(((answer.last?.data["stats"] as? [String: Any])?["completion_tokens"] as? Int ?? 0) > 0,
                "usage comes back from the remote server")

        // The client hangs up after three tokens: the answer stops, and what was shown is stored as cancelled.
        let partial = try await server.postAndHangUp("/api/chat", [
            "kb": "notes", "question": "Write a long story about Paris and the Seine.", "max_tokens": 300]) { events in
            events.filter { $0.name == "token" }.count >= 3
        }
        #expect(partial.filter { $0.name == "token" }.count >= 3)
        #expect(!partial.contains { $0.name == "done" })
        var cancelled: [String: Any]?
        for _ in 0..<100 where cancelled == nil {
            let entries = try await server.request(.GET, "/api/audit?limit=1").json["entries"] as? [[String: Any]] ?? []
            if entries.first?["question"] as? String == "Write a long story about Paris and the Seine." { cancelled = entries.first }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(cancelled?["finish_reason"] as? String == "cancelled")
        #expect((cancelled?["answer"] as? String)?.isEmpty == false)
        let stopped = try #require(cancelled?["conversation_id"] as? Int)
        let stoppedMessages = try await server.request(.GET, "/api/conversations/\(stopped)").json["messages"] as? [[String: Any]]
        #expect(((stoppedMessages?.last?["stats"] as? [String: Any])?["finish_reason"]) as? String == "cancelled")
        // Both servers keep serving.
        let next = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "notes", "question": "What is the capital of France?", "max_tokens": 24]).body)
        #expect(next.last?.name == "done")

        // The backend goes away: a clear error event, and nothing stored half-way — no conversation, no messages.
        backend.terminate()
        backend.waitUntilExit()
        let conversationsBefore = try await server.request(.GET, "/api/conversations").json["conversations"] as? [[String: Any]]
        let failed = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "notes", "question": "Where does Paris lie?", "max_tokens": 24]).body)
        #expect(failed.map(\.name) == ["conversation", "citations", "error"], "the conversation it started is taken away again")
        #expect((failed.last?.data["message"] as? String)?.contains("cannot reach") == true)
        let conversationsAfter = try await server.request(.GET, "/api/conversations").json["conversations"] as? [[String: Any]]
        #expect(conversationsAfter?.count == conversationsBefore?.count)
        let audit = try await server.request(.GET, "/api/audit?limit=1").json["entries"] as? [[String: Any]]
        #expect(audit?.first?["finish_reason"] as? String == "error")
        #expect(audit?.first?["conversation_id"] == nil)

        // The settings were written to the models file, and switching back to the built-in model is immediate.
        let file = server.folder.url.appendingPathComponent("models.json")
        let reread = try ChatModelRegistry(file: file, defaultModel: LlamaGenerator.defaultModelID)
        #expect(await reread.defaultModel == "remote")
        #expect(await reread.specs.first?.apiKey == "secret-key")
        #expect(try await server.json(.DELETE, "/api/models/chat/remote", [:]).status == 409, "the default stays")
        #expect(try await server.json(.PUT, "/api/models/default", ["chat_model": LlamaGenerator.defaultModelID]).status == 200)
        let local = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "notes", "question": "What is the capital of France?", "max_tokens": 24]).body)
        #expect(local.last?.name == "done")
        #expect(try await server.request(.DELETE, "/api/models/chat/remote").status == 204)
        let listing = try await server.request(.GET, "/api/models").json
        #expect((listing["chat_models"] as? [Any])?.isEmpty == true)
        #expect(listing["default_chat_model"] as? String == LlamaGenerator.defaultModelID)
    }
}
