import Foundation
import Hummingbird
import ZhikuCore
import ZhikuModels

/// OpenAI-compatible endpoints: `POST /v1/embeddings` and `POST /v1/chat/completions` (streamed or not) with
/// the built-in models, `GET /v1/models`.
struct OpenAIRoutes {
    let embedders: EmbedderCache
    let chatModels: ChatModelCache
    let defaultChatModel: String

    struct ChatCompletionRequest: Decodable {
        var model: String?
        var messages: [ChatMessage]
        var stream: Bool?
        var maxTokens: Int?
        var maxCompletionTokens: Int?
        var temperature: Double?
        var topP: Double?
        var seed: UInt64?
        var stop: OneOrMany?
    }

    /// A string or a list of strings, as OpenAI's `input` and `stop` accept.
    struct OneOrMany: Decodable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { values = [s] } else { values = try c.decode([String].self) }
        }
    }

    struct EmbeddingRequest: Decodable {
        var model: String?
        var input: OneOrMany
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
            try json(ModelList(data: (chatModels.installedModels() + embedders.installedModels()).map { ModelList.Model(id: $0) }))
        }
        v1.post("chat/completions") { request, context in
            try await chatCompletion(try await request.decode(as: ChatCompletionRequest.self, context: context))
        }
        v1.post("embeddings") { request, context in
            let body = try await request.decode(as: EmbeddingRequest.self, context: context)
            let texts = body.input.values
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

    // MARK: - Chat completions

    private func chatCompletion(_ body: ChatCompletionRequest) async throws -> Response {
        guard !body.messages.isEmpty else { throw ZhikuError.invalidInput("messages must not be empty") }
        let maxTokens = body.maxCompletionTokens ?? body.maxTokens ?? 512
        guard (1...8192).contains(maxTokens) else { throw ZhikuError.invalidInput("max_tokens must be between 1 and 8192") }
        let sampling = try SamplingOptions(temperature: body.temperature ?? 0.7, topP: body.topP ?? 1,
                                           seed: body.seed ?? 0).validated()
        let model = try await chatModels.model(body.model ?? defaultChatModel)
        let chat = ChatRequest(messages: body.messages, maxTokens: maxTokens, sampling: sampling, stop: body.stop?.values ?? [])
        let id = "chatcmpl-" + UUID().uuidString.lowercased()
        let created = Int(Date().timeIntervalSince1970)

        guard body.stream == true else {
            var text = "", usage = ChatUsage(promptTokens: 0, completionTokens: 0, finishReason: "stop")
            for try await event in model.stream(chat) {
                switch event {
                case .text(let piece): text += piece
                case .done(let u): usage = u
                }
            }
            return try json(Completion(id: id, created: created, model: model.modelID,
                                       choices: [.init(message: ChatMessage(role: "assistant", content: text),
                                                       finishReason: usage.finishReason)],
                                       usage: .init(usage)))
        }
        let events = model.stream(chat)
        let encoder = ZhikuJSON.encoder
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody { writer in
            func send(_ chunk: StreamChunk) async throws {
                let data = try encoder.encode(chunk)
                try await writer.write(ByteBuffer(string: "data: " + String(decoding: data, as: UTF8.self) + "\n\n"))
            }
            do {
                try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                           choices: [.init(delta: .init(role: "assistant", content: ""))]))
                for try await event in events {
                    switch event {
                    case .text(let piece):
                        try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                                   choices: [.init(delta: .init(content: piece))]))
                    case .done(let usage):
                        try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                                   choices: [.init(delta: .init(), finishReason: usage.finishReason)],
                                                   usage: .init(usage)))
                    }
                }
            } catch let error as ZhikuError {
                // Headers are gone already: the error travels in the stream, as OpenAI servers do.
                let payload = try encoder.encode(APIErrorEnvelope(error: .init(code: error.code.rawValue, message: error.message)))
                try await writer.write(ByteBuffer(string: "data: " + String(decoding: payload, as: UTF8.self) + "\n\n"))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }

    struct Usage: Encodable {
        var promptTokens: Int
        var completionTokens: Int
        var totalTokens: Int
        init(_ u: ChatUsage) {
            promptTokens = u.promptTokens
            completionTokens = u.completionTokens
            totalTokens = u.promptTokens + u.completionTokens
        }
    }

    struct Completion: Encodable {
        struct Choice: Encodable {
            var index = 0
            var message: ChatMessage
            var finishReason: String
        }
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage
    }

    struct StreamChunk: Encodable {
        struct Delta: Encodable {
            var role: String?
            var content: String?
        }
        struct Choice: Encodable {
            var index = 0
            var delta: Delta
            var finishReason: String?
        }
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage?
    }

    struct APIErrorEnvelope: Encodable {
        struct Body: Encodable { var code: String; var message: String }
        var error: Body
    }
}
