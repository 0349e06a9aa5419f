import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// Every streaming route ends its stream properly when the answer fails after the headers went out: Zhiku's
/// streams with an `error` event, OpenAI-style streams with an error chunk and then `data: [DONE]`, each with the
/// message a client may see.
@Suite struct ServerSentEventTests {
    @Test func everyStreamEndsProperlyWhenTheModelServerRefuses() async throws {
        let model = try await StubChatServer(reply: "unused", refusal: (503, #"{"error":{"message":"overloaded"}}"#))
        let server = try await TestServer(configure: {
            $0.chatServerURL = "http://127.0.0.1:\(model.port)"
            $0.chatModel = "stub"
        })
        defer { Task { try? await server.stop(); try? await model.stop() } }
        _ = try await server.json(.POST, "/api/kbs", ["name": "docs"])

        // /api/chat (no knowledge base: straight to the model): the stream's last event is the error.
        let chat = String(decoding: try await server.json(.POST, "/api/chat", ["question": "Hello?", "max_tokens": 8]).body, as: UTF8.self)
        let events = chat.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last?.hasPrefix("event: error\ndata: ") == true, "\(chat.suffix(300))")
        #expect(events.last?.contains("\"code\":\"upstream_failed\"") == true, "\(chat.suffix(300))")
        // A new chat names its conversation first; the failed answer then takes it away again (only the audit
        // entry stays).
        #expect(events.first?.hasPrefix("event: conversation\ndata: {\"conversation_id\":") == true, "\(chat.prefix(200))")
        let listed = try await server.request(.GET, "/api/conversations").json["conversations"] as? [[String: Any]]
        #expect(listed?.isEmpty == true, "\(String(describing: listed))")

        // /v1/chat/completions: with the model, an error chunk, then [DONE]; with the (empty) knowledge base, the
        // not-found reply, then [DONE].
        for name in ["stub", "kb:docs"] {
            let reply = try await server.json(.POST, "/v1/chat/completions", [
                "model": name, "stream": true, "max_tokens": 8,
                "messages": [["role": "user", "content": "What does the stub say?"]]])
            let text = String(decoding: reply.body, as: UTF8.self)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(lines.last == "data: [DONE]", "\(name): \(text.suffix(300))")
            if name == "stub" {
                #expect(lines.dropLast().last?.contains("\"error\":{\"code\":\"upstream_failed\"") == true, "\(name): \(text.suffix(300))")
            }
        }
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }
}
