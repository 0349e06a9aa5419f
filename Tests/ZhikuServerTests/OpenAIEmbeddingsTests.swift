import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// `POST /v1/embeddings` over real HTTP with the built-in models.
@Suite struct OpenAIEmbeddingsTests {
    @Test func embeddingsEndpointServesTheBuiltInModel() async throws {
        guard let folder = try? ModelLocation.folder(for: E5Embedder.id) else {
            try Skip.now("model multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let server = try await TestServer()
        let texts = ["员工年假申请流程", "The travel policy allows economy class."]
        let reply = try await server.json(.POST, "/v1/embeddings",
                                          ["model": "multilingual-e5-small", "input": texts, "input_type": "query"])
        #expect(reply.status == 200)
        let data = reply.json["data"] as? [[String: Any]] ?? []
        #expect(data.count == 2)
        #expect(data.map { $0["index"] as? Int } == [0, 1])
        #expect(reply.json["model"] as? String == "multilingual-e5-small")
        let usage = reply.json["usage"] as? [String: Any]
        #expect((usage?["prompt_tokens"] as? Int ?? 0) > 4)

        // Same vectors as the library gives.
        let direct = try await E5Embedder(folder: folder).embed(texts, as: .query)
        for (item, expected) in zip(data, direct) {
            let vector = (item["embedding"] as? [Double] ?? []).map(Float.init)
            #expect(vector.count == 384)
            #expect(zip(vector, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        }

        // A single string is accepted too; bad requests get JSON errors.
        #expect(try await server.json(.POST, "/v1/embeddings", ["input": "hello"]).status == 200)
        let unknown = try await server.json(.POST, "/v1/embeddings", ["model": "gpt-4", "input": "x"])
        #expect(unknown.status == 400)
        #expect(unknown.errorCode == "invalid_input")
        #expect(try await server.json(.POST, "/v1/embeddings", ["input": [String]()]).status == 400)
        #expect(try await server.json(.POST, "/v1/embeddings", ["input": "x", "input_type": "poem"]).status == 400)
        let models = try await server.request(.GET, "/v1/models").json["data"] as? [[String: Any]] ?? []
        #expect(models.contains { $0["id"] as? String == "multilingual-e5-small" })
        try await server.stop()
    }
}
