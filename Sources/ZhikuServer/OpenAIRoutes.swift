import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine
import ZhikuModels
import ZhikuRetrieval

/// OpenAI-compatible endpoints: `POST /v1/embeddings`, `POST /v1/chat/completions` (streamed or not) and
/// `GET /v1/models`; and Cohere's / Jina's `POST /v1/rerank`, answered by the built-in sentence pass
/// (``EmbeddingReranker``) with the embedding model named. A chat `model` of `kb:<name>` answers from that knowledge base (retrieval, the no-answer
/// gate, numbered sources) with the default chat model; the response then carries Zhiku's `citations` too.
struct OpenAIRoutes {
    let runtime: ZhikuRuntime
    var embedders: EmbedderCache { runtime.embedders }
    var chatModels: ChatModelRegistry { runtime.chatModels }

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
        /// Zhiku's extension for `kb:<name>` models: answer only from the files this matches (``SearchFilter``).
        var filters: SearchFilter?
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

    struct RerankRequest: Decodable {
        /// An embedding model (default multilingual-e5-small).
        var model: String?
        var query: String
        /// Cohere's and Jina's name for the passages; TEI's `texts` is read too.
        var documents: [String]?
        var texts: [String]?
        var topN: Int?
    }

    struct RerankResponse: Encodable {
        struct Item: Encodable {
            var index: Int
            var relevanceScore: Double
        }
        var model: String
        var results: [Item]
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

    func register(on router: RouteRecorder) {
        let v1 = router.group("v1")
        v1.get("models") { _, context in
            let kbs = try await runtime.access.visibleKnowledgeBases(for: try context.requireUser()).map { "kb:" + $0.name }
            let names = await chatModels.listedModels() + kbs + embedders.installedModels()
            return try json(ModelList(data: names.map { ModelList.Model(id: $0) }))
        }
        v1.post("chat/completions") { request, context in
            try await chatCompletion(try await request.decode(as: ChatCompletionRequest.self, context: context), user: try context.requireUser())
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
        v1.post("rerank") { request, context in
            let body = try await request.decode(as: RerankRequest.self, context: context)
            let passages = body.documents ?? body.texts ?? []
            guard !body.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ZhikuError.invalidInput("query must not be empty") }
            guard !passages.isEmpty else { throw ZhikuError.invalidInput("documents must not be empty") }
            guard passages.count <= 1000 else { throw ZhikuError.invalidInput("at most 1000 documents per request, got \(passages.count)") }
            let reranker = EmbeddingReranker(embedder: try await embedders.embedder(body.model ?? E5Embedder.id))
            let scores = try await reranker.scores(query: body.query, passages: passages)
            let ranked = scores.indicesBestFirst().prefix(max(1, body.topN ?? passages.count))
            return try json(RerankResponse(model: reranker.embedder.modelID,
                                           results: ranked.map { RerankResponse.Item(index: $0, relevanceScore: scores[$0]) }))
        }
    }

    // MARK: - Chat completions

    private func chatCompletion(_ body: ChatCompletionRequest, user: User) async throws -> Response {
        guard !body.messages.isEmpty else { throw ZhikuError.invalidInput("messages must not be empty") }
        let characters = body.messages.reduce(0) { $0 + $1.content.count }
        guard characters <= runtime.configuration.maxMessagesCharacters else {
            throw ZhikuError.invalidInput("the messages have \(characters) characters in all; the limit is "
                                          + "\(runtime.configuration.maxMessagesCharacters)")
        }
        let maxTokens = body.maxCompletionTokens ?? body.maxTokens ?? 512
        guard (1...min(8192, runtime.configuration.maxAnswerTokens)).contains(maxTokens) else {
            throw ZhikuError.invalidInput("max_tokens must be between 1 and \(min(8192, runtime.configuration.maxAnswerTokens))")
        }
        let sampling = try SamplingOptions(temperature: body.temperature ?? 0.7, topP: body.topP ?? 1,
                                           seed: body.seed ?? 0).validated()
        if let name = body.model, name.hasPrefix("kb:") {
            return try await knowledgeBaseCompletion(body, kb: String(name.dropFirst(3)), user: user, maxTokens: maxTokens,
                                                     sampling: sampling)
        }
        let model = try await chatModels.model(body.model)
        let chat = ChatRequest(messages: body.messages, maxTokens: maxTokens, sampling: sampling, stop: body.stop?.values ?? [])
        let id = "chatcmpl-" + UUID().uuidString.lowercased()
        let created = Int(Date().timeIntervalSince1970)

        let queue = runtime.answerQueues.queue(for: model), owner = AnswerQueues.owner(account: user.ownerID)
        guard body.stream == true else {
            var text = "", usage = ChatUsage(promptTokens: 0, completionTokens: 0, finishReason: .stop)
            let turn = try await queue.turn(for: owner)
            defer { turn.release() }
            for try await event in model.stream(chat) {
                switch event {
                case .text(let piece): text += piece
                case .done(let u): usage = u
                case .progress: break
                }
            }
            return try json(Completion(id: id, created: created, model: model.modelID,
                                       choices: [.init(message: ChatMessage(role: .assistant, content: text),
                                                       finishReason: usage.finishReason)],
                                       usage: .init(usage)))
        }
        return ServerSentEvent.response(.openAI, for: user, logger: runtime.logger, what: "a completion") { writer in
            func send(_ chunk: StreamChunk) async throws { try await writer.write(ServerSentEvent.frame(nil, chunk)) }
            let turn = try await queue.turn(for: owner)
            defer { turn.release() }
            let events = model.stream(chat)
            try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                       choices: [.init(delta: .init(role: .assistant, content: ""))]))
            for try await event in events {
                switch event {
                case .text(let piece):
                    try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                               choices: [.init(delta: .init(content: piece))]))
                case .done(let usage):
                    try await send(StreamChunk(id: id, created: created, model: model.modelID,
                                               choices: [.init(delta: .init(), finishReason: usage.finishReason)],
                                               usage: .init(usage)))
                case .progress: break
                }
            }
        }
    }

    /// `model: "kb:<name>"`: the last user message is the question, the messages before it the history.
    private func knowledgeBaseCompletion(_ body: ChatCompletionRequest, kb name: String, user: User, maxTokens: Int,
                                         sampling: SamplingOptions) async throws -> Response {
        let kb = try await runtime.access.knowledgeBase(name, for: user, needs: .viewer)
        guard let last = body.messages.last, last.role == .user else {
            throw ZhikuError.invalidInput("the last message must be the user's question")
        }
        var ask = Answerer.Request(question: last.content)
        ask.history = body.messages.dropLast().filter { $0.role != .system }
        ask.maxTokens = maxTokens
        ask.sampling = sampling
        ask.channel = .openai
        ask.filter = try body.filters?.validated()
        ask.user = user.auditName
        try ask.validate(runtime.configuration)
        _ = try await chatModels.model(nil)
        let events = Answerer(runtime: runtime).answer(ask, in: kb)
        let id = "chatcmpl-" + UUID().uuidString.lowercased()
        let created = Int(Date().timeIntervalSince1970)
        let modelName = "kb:" + kb.name

        guard body.stream == true else {
            var text = "", citations: [Citation] = [], stats: AnswerStats?
            for try await event in events {
                switch event {
                case .citations(let list): citations = list
                case .token(let piece), .notFound(let piece): text += piece
                case .done(let s, _): stats = s
                case .progress, .queued, .conversation: break
                }
            }
            let usage = ChatUsage(promptTokens: stats?.promptTokens ?? 0, completionTokens: stats?.completionTokens ?? 0,
                                  finishReason: .stop)
            return try json(Completion(id: id, created: created, model: modelName,
                                       choices: [.init(message: ChatMessage(role: .assistant, content: text),
                                                       finishReason: Self.finishReason(stats))],
                                       usage: .init(usage), citations: citations, notFound: stats?.finishReason == .notFound))
        }
        return ServerSentEvent.response(.openAI, for: user, logger: runtime.logger, what: "an answer") { writer in
            func chunk(_ delta: StreamChunk.Delta, finish: FinishReason? = nil, usage: Usage? = nil,
                       citations: [Citation]? = nil, notFound: Bool? = nil) -> StreamChunk {
                StreamChunk(id: id, created: created, model: modelName, choices: [.init(delta: delta, finishReason: finish)],
                            usage: usage, citations: citations, notFound: notFound)
            }
            try await writer.write(ServerSentEvent.frame(nil, chunk(.init(role: .assistant, content: ""))))
            var citations: [Citation] = []
            for try await event in events {
                switch event {
                case .citations(let list): citations = list
                case .token(let piece), .notFound(let piece):
                    try await writer.write(ServerSentEvent.frame(nil, chunk(.init(content: piece))))
                case .done(let stats, _):
                    let usage = Usage(ChatUsage(promptTokens: stats.promptTokens, completionTokens: stats.completionTokens,
                                                finishReason: .stop))
                    try await writer.write(ServerSentEvent.frame(nil, chunk(.init(), finish: Self.finishReason(stats), usage: usage,
                                                                            citations: citations,
                                                                            notFound: stats.finishReason == .notFound)))
                case .queued(let position):
                    // An SSE comment (OpenAI clients skip it): the answer's place in the model's queue.
                    try await writer.write(ServerSentEvent.comment("queued, position \(position)"))
                case .progress, .conversation: break
                }
            }
        }
    }

    /// OpenAI's finish reasons: `length` when the token limit cut the answer, `stop` otherwise.
    private static func finishReason(_ stats: AnswerStats?) -> FinishReason {
        stats?.finishReason == .length ? .length : .stop
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
            var finishReason: FinishReason
        }
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage
        /// Zhiku's extension for `kb:` models: the numbered sources.
        var citations: [Citation]?
        var notFound: Bool?
    }

    struct StreamChunk: Encodable {
        struct Delta: Encodable {
            var role: ChatRole?
            var content: String?
        }
        struct Choice: Encodable {
            var index = 0
            var delta: Delta
            var finishReason: FinishReason?
        }
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage?
        var citations: [Citation]?
        var notFound: Bool?
    }
}
