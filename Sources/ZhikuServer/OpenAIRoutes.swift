import Foundation
import Hummingbird
import ZhikuCore
import ZhikuModels

/// OpenAI-compatible endpoints: `POST /v1/embeddings` with the built-in models, `GET /v1/models`.
struct OpenAIRoutes {
    let embedders: EmbedderCache

    struct EmbeddingRequest: Decodable {
        enum Input: Decodable {
            case one(String)
            case many([String])

            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
            }

            var texts: [String] {
                switch self {
                case .one(let s): [s]
                case .many(let m): m
                }
            }
        }

        var model: String?
        var input: Input
        /// Zhiku's extension: "query" or "passage" (the default), for models that embed the two differently.
        var inputType: String?
        var encodingFormat: String?
    }

    struct EmbeddingResponse: Encodable {
        struct Item: Encodable {
            var object = "embedding"
            var index: Int
            var embedding: [Float]
        }
        struct Usage: Encodable {
            var promptTokens: Int
            var totalTokens: Int
        }
        var object = "list"
        var data: [Item]
        var model: String
        var usage: Usage
    }

    struct ModelList: Encodable {
        struct Model: Encodable {
            var id: String
            var object = "model"
            var ownedBy = "zhiku"
        }
        var object = "list"
        var data: [Model]
    }

    func register(on router: Router<ZhikuRequestContext>) {
        let v1 = router.group("v1")
        v1.get("models") { _, _ in
            try json(ModelList(data: embedders.installedModels().map { ModelList.Model(id: $0) }))
        }
        v1.post("embeddings") { request, context in
            let body = try await request.decode(as: EmbeddingRequest.self, context: context)
            let texts = body.input.texts
            guard !texts.isEmpty else { throw ZhikuError.invalidInput("input must not be empty") }
            guard texts.count <= 2048 else { throw ZhikuError.invalidInput("at most 2048 inputs per request, got \(texts.count)") }
            if let format = body.encodingFormat, format != "float" {
                throw ZhikuError.invalidInput("encoding_format '\(format)' is not supported; use 'float'")
            }
            let purpose: EmbeddingPurpose
            switch body.inputType ?? "passage" {
            case "passage", "document": purpose = .passage
            case "query": purpose = .query
            case let other: throw ZhikuError.invalidInput("input_type must be 'query' or 'passage', got '\(other)'")
            }
            let model = body.model ?? E5Embedder.id
            let embedder = try await embedders.embedder(model)
            let vectors = try await embedder.embed(texts, as: purpose)
            let tokens = texts.reduce(0) { $0 + embedder.tokenCount($1, as: purpose) }
            return try json(EmbeddingResponse(
                data: vectors.enumerated().map { EmbeddingResponse.Item(index: $0.offset, embedding: $0.element) },
                model: embedder.modelID, usage: .init(promptTokens: tokens, totalTokens: tokens)))
        }
    }
}
