import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport

/// 👍/👎 on answers over real HTTP, the audit view filtered by it, and the rated answers exported as a BEIR set that
/// `zhiku eval` (a real process on the server's data folder) reads and scores.
@Suite(.waitsOnProcesses) struct FeedbackRoutesTests {
    @Test func feedbackIsStoredFilteredAndExportedForEval() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        _ = try await server.json(.POST, "/api/kbs", ["name": "hr"])
        let documents = [("leave.txt", "Annual leave must be requested one week in advance through the HR portal."),
                         ("canteen.txt", "The canteen opens at noon and closes at two in the afternoon."),
                         ("报销.txt", "差旅报销须在出差结束后三十天内提交发票，逾期财务部不予受理。")]
        for (name, text) in documents {
            #expect(try await server.ingest(name, Array(text.utf8), into: "hr")["status"] as? String == "succeeded")
        }

        /// Asks (extractive: no language model) and returns the done event's answer and message ids.
        func ask(_ question: String) async throws -> (answer: Int, message: Int?, conversation: Int?) {
            let events = TestServer.events(try await server.json(.POST, "/api/chat", [
                "kb": "hr", "question": question, "mode": "extractive"]).body)
            let done = try #require(events.last { $0.name == "done" }?.data)
            return (try #require(done["answer_id"] as? Int), done["message_id"] as? Int, done["conversation_id"] as? Int)
        }
        let leave = try await ask("How early must annual leave be requested?")
        let canteen = try await ask("When does the canteen open?")
        let claims = try await ask("差旅报销的发票要在多少天内提交？")
        #expect(leave.message != nil && leave.conversation != nil)

        func rate(_ id: Int, _ body: [String: Any]) async throws -> TestServer.Reply {
            try await server.json(.POST, "/api/answers/\(id)/feedback", body)
        }
        let up = try await rate(leave.answer, ["rating": "up", "comment": "right rule, right file"])
        #expect(up.status == 200)
        #expect((up.json["feedback"] as? [String: Any])?["rating"] as? String == "up")
        #expect((up.json["feedback"] as? [String: Any])?["comment"] as? String == "right rule, right file")
        #expect(try await rate(claims.answer, ["rating": "up"]).status == 200)
        #expect(try await rate(canteen.answer, ["rating": "down", "comment": "wrong hours"]).status == 200)
        #expect(try await rate(canteen.answer, ["rating": "sideways"]).status == 400)
        #expect(try await rate(canteen.answer, ["comment": "no rating"]).status == 400)
        #expect(try await rate(canteen.answer, ["rating": "up", "comment": String(repeating: "x", count: 2001)]).status == 400)
        #expect(try await rate(999_999, ["rating": "up"]).status == 404)

        // The conversation shows the feedback with the answer's message.
        let conversation = try await server.request(.GET, "/api/conversations/\(leave.conversation!)").json
        let answer = (conversation["messages"] as? [[String: Any]])?.last
        #expect(answer?["audit_id"] as? Int == leave.answer)
        #expect((answer?["feedback"] as? [String: Any])?["rating"] as? String == "up")

        // The audit view by rating; removing a rating.
        let rated = try await server.request(.GET, "/api/audit?feedback=up").json["entries"] as? [[String: Any]] ?? []
        #expect(Set(rated.compactMap { $0["id"] as? Int }) == [leave.answer, claims.answer])
        let down = try await server.request(.GET, "/api/audit?feedback=down").json["entries"] as? [[String: Any]] ?? []
        #expect(down.compactMap { $0["id"] as? Int } == [canteen.answer])
        #expect(try await server.request(.GET, "/api/audit?feedback=meh").status == 400)
        #expect(try await rate(canteen.answer, ["rating": NSNull()]).json["feedback"] == nil)
        #expect((try await server.request(.GET, "/api/audit?feedback=down").json["entries"] as? [[String: Any]])?.isEmpty == true)

        // Exported: the two 👍 questions, each judged by the chunk its answer cited, over every chunk of the base.
        let out = server.folder.url.appendingPathComponent("feedback-set")
        let export = try await CLI.runDetached(["eval", "export-feedback", "--out", out.path, "--json"], data: server.folder.url)
        #expect(export.status == 0, "\(export.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(summary["queries"] as? Int == 2 && summary["documents"] as? Int == 3 && summary["judgments"] as? Int == 2)
        let queries = try String(contentsOf: out.appendingPathComponent("queries.jsonl"), encoding: .utf8)
        #expect(queries.contains("How early must annual leave be requested?") && queries.contains("差旅报销的发票要在多少天内提交？"))
        #expect(!queries.contains("canteen"))
        let qrels = try String(contentsOf: out.appendingPathComponent("qrels/test.tsv"), encoding: .utf8)
        #expect(qrels.contains("a\(leave.answer)\tc"))

        // zhiku eval reads the set back and finds each question's cited chunk.
        let eval = try await CLI.runDetached(["eval", out.path, "--json"], data: nil)
        #expect(eval.status == 0, "\(eval.stderr)")
        let modes = (try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["modes"] as? [String: [String: Any]]
        #expect(modes?["hybrid"]?["recall@10"] as? Double == 1, "\(eval.stdout)")
    }
}
