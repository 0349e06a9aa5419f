import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport

/// `POST /v1/chat/completions` with the built-in model, as an OpenAI client calls it.
@Suite struct OpenAIChatCompletionsTests {
    @Test func completesStreamedAndNot() async throws {
        guard (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil else {
            try Skip.now("model \(LlamaGenerator.defaultModelID) not found (scripts/fetch-models.sh fetches it)")
        }
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let france: [[String: String]] = [["role": "user", "content": "What is the capital of France?"]]

        let whole = try await server.json(.POST, "/v1/chat/completions",
                                          ["messages": france, "temperature": 0, "max_tokens": 20, "stop": " Paris"])
        #expect(whole.status == 200)
        let choice = (whole.json["choices"] as? [[String: Any]])?.first
        #expect((choice?["message"] as? [String: Any])?["content"] as? String == "The capital of France is")
        #expect(choice?["finish_reason"] as? String == "stop")
        let engine = try await LlamaGeneratorCache.shared.generator(LlamaGenerator.defaultModelID)
        let promptTokens = try engine.promptIDs([ChatMessage(role: .user, content: "What is the capital of France?")])?.count
        #expect((whole.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int == promptTokens)

        let streamed = try await server.json(.POST, "/v1/chat/completions",
                                             ["messages": france, "temperature": 0, "max_tokens": 20, "stream": true,
                                              "stop": [" nothing", "."]])
        let lines = String(decoding: streamed.body, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("data: ") }
        #expect(lines.last == "data: [DONE]")
        let text = lines.dropLast().compactMap { line -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
            return ((object?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
        #expect(text == "The capital of France is Paris")

        #expect(try await server.json(.POST, "/v1/chat/completions", ["messages": france, "temperature": 9]).status == 400)
        #expect(try await server.json(.POST, "/v1/chat/completions", ["messages": [] as [Any]]).status == 400)
        #expect(try await server.json(.POST, "/v1/chat/completions", ["messages": france, "model": "gpt-17"]).status == 400)
    }
}
