import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuTestSupport
@testable import ZhikuServer

/// `GET/PUT /api/settings` (the answer settings the web UI changes), what answers do with them, renaming a
/// knowledge base, and regenerating the last answer of a conversation.
@Suite struct SettingsRoutesTests {
    func events(_ body: [UInt8]) -> [(name: String, data: [String: Any])] { TestServer.events(body) }

    @Test func settingsAreCheckedStoredAndUsedByTheNextAnswer() async throws {
        let server = try await TestServer()
        let defaults = try await server.request(.GET, "/api/settings").json
        #expect(defaults["k"] as? Int == 5)
        #expect(defaults["search_mode"] as? String == "hybrid")
        #expect(defaults["answer_mode"] as? String == "generate")
        #expect(defaults["no_answer_threshold"] as? Double == 0.85)
        #expect((defaults["model_thresholds"] as? [[String: Any]])?.first?["model"] as? String == "embeddinggemma-300m")

        for bad: [String: Any] in [["k": 0], ["k": 21], ["no_answer_threshold": 1.5], ["answer_mode": "poetry"],
                                   ["search_mode": "psychic"]] {
            let reply = try await server.json(.PUT, "/api/settings", bad)
            #expect(reply.status == 400, "\(bad)")
            #expect(reply.errorCode == "invalid_input", "\(bad)")
        }
        #expect(try await server.request(.GET, "/api/settings").json["k"] as? Int == 5, "a refused change changes nothing")

        let changed = try await server.json(.PUT, "/api/settings", ["k": 1, "answer_mode": "extractive"])
        #expect(changed.status == 200)
        #expect(changed.json["k"] as? Int == 1 && changed.json["answer_mode"] as? String == "extractive")
        #expect(changed.json["no_answer_threshold"] as? Double == 0.85, "fields not sent keep their value")
        let file = server.folder.url.appendingPathComponent("settings.json")
        let reread = try SettingsRegistry(file: file, defaults: AnswerSettings(noAnswerThreshold: 0.1))
        #expect(await reread.answers == AnswerSettings(k: 1, searchMode: .hybrid, answerMode: .extractive, noAnswerThreshold: 0.85))

        // The next answer follows them: one source, quoted, no language model.
        _ = try await server.json(.POST, "/api/kbs", ["name": "hr"])
        let form = TestServer.multipart([
            ("canteen.txt", Array("The canteen opens at noon and closes at two.".utf8)),
            ("leave.txt", Array("Employees must request annual leave one week in advance using the HR portal.".utf8)),
        ])
        let upload = try await server.request(.POST, "/api/kbs/hr/files", body: form.body, headers: [("Content-Type", form.contentType)])
        for u in upload.json["uploads"] as? [[String: Any]] ?? [] {
            #expect(try await server.waitForJob((u["job"] as! [String: Any])["id"] as! Int, timeout: .seconds(600))["status"] as? String == "succeeded")
        }
        let answer = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "When does the canteen open?"]).body)
        #expect((answer.first { $0.name == "citations" }?.data["citations"] as? [Any])?.count == 1)
        let text = answer.filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(text == "[1] The canteen opens at noon and closes at two.")
        let conversation = try #require(answer.last?.data["conversation_id"] as? Int)

        // Regenerate: the last turn is answered again and replaced, not added.
        let again = events(try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "When does the canteen open?", "conversation_id": conversation, "regenerate": true]).body)
        #expect(again.last?.name == "done")
        let messages = try await server.request(.GET, "/api/conversations/\(conversation)").json["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant"])
        let orphan = try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "Q?", "regenerate": true])
        #expect(orphan.status == 400)

        // A gate nothing passes: "not found".
        _ = try await server.json(.PUT, "/api/settings", ["no_answer_threshold": 1.0])
        let refused = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "When does the canteen open?"]).body)
        #expect(refused.last?.data["not_found"] as? Bool == true)

        // A model's own gate comes before the general one.
        let model = try #require(try await server.request(.GET, "/api/kbs/hr").json["embedding_model"] as? String)
        let perModel = try await server.json(.PUT, "/api/settings", [
            "no_answer_threshold": 0.0, "model_thresholds": [["model": model, "threshold": 1.0]]])
        #expect(perModel.status == 200)
        let refusedByModel = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "When does the canteen open?"]).body)
        #expect(refusedByModel.last?.data["not_found"] as? Bool == true)
        _ = try await server.json(.PUT, "/api/settings", ["model_thresholds": [["model": "another-model", "threshold": 1.0]]])
        let passed = events(try await server.json(.POST, "/api/chat", ["kb": "hr", "question": "When does the canteen open?"]).body)
        #expect(passed.last?.data["not_found"] as? Bool != true)
        let badEntry = try await server.json(.PUT, "/api/settings", ["model_thresholds": [["model": model, "threshold": 2.0]]])
        #expect(badEntry.status == 400 && badEntry.errorCode == "invalid_input")
        try await server.stop()
    }

    @Test func settingsFilesWithoutModelThresholdsGetTheDefaults() async throws {
        let folder = TemporaryFolder()
        let file = folder.url.appendingPathComponent("settings.json")
        try Data(#"{"k": 3, "search_mode": "hybrid", "answer_mode": "generate", "no_answer_threshold": 0.8}"#.utf8).write(to: file)
        let settings = try SettingsRegistry(file: file, defaults: AnswerSettings(noAnswerThreshold: 0.1))
        let answers = await settings.answers
        #expect(answers.k == 3 && answers.noAnswerThreshold == 0.8)
        #expect(answers.modelThresholds == RetrievalSettings().modelNoAnswerThresholds && !answers.modelThresholds.isEmpty)
        #expect(answers.noAnswerThreshold(for: "embeddinggemma-300m") == RetrievalSettings().noAnswerThreshold(for: "embeddinggemma-300m"))
        #expect(answers.noAnswerThreshold(for: "multilingual-e5-small") == 0.8 && answers.noAnswerThreshold(for: nil) == 0.8)
    }

    @Test func knowledgeBasesAreRenamed() async throws {
        let server = try await TestServer()
        let id = try #require(try await server.json(.POST, "/api/kbs", ["name": "hr"]).json["id"] as? Int)
        _ = try await server.json(.POST, "/api/kbs", ["name": "legal"])
        let renamed = try await server.json(.PATCH, "/api/kbs/hr", ["name": "人事", "description": "people"])
        #expect(renamed.status == 200)
        #expect(renamed.json["name"] as? String == "人事" && renamed.json["description"] as? String == "people")
        #expect(try await server.request(.GET, "/api/kbs/\(id)").json["name"] as? String == "人事")
        #expect(try await server.request(.GET, "/api/kbs/hr").status == 404)
        let taken = try await server.json(.PATCH, "/api/kbs/\(id)", ["name": "legal"])
        #expect(taken.status == 409)
        #expect(taken.errorCode == "conflict")
        #expect(try await server.json(.PATCH, "/api/kbs/\(id)", [:]).status == 400)
        try await server.stop()
    }
}
