import Foundation
import ZhikuCore

/// A numbered source an answer may cite.
public struct Citation: Sendable, Hashable, Codable {
    public var n: Int
    public var chunkID: Chunk.ID
    public var fileID: FileRecord.ID
    public var fileName: String
    public var page: Int
    public var start: Int
    public var end: Int
    public var snippet: String
    public var score: Double
    public var vectorScore: Double?
    public var keywordScore: Double?
}

/// What an answer streams: its sources first, then text (or the "not found" reply), then `done`.
public enum AnswerEvent: Sendable {
    case citations([Citation])
    case token(String)
    /// Nothing relevant was found: the reply, in the question's language; no model was asked.
    case notFound(String)
    case done(AnswerStats)
}

public struct AnswerStats: Sendable, Codable {
    public var model: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: String
    public var retrievalMs: Double
    public var firstTokenMs: Double?
    public var totalMs: Double
}

/// Retrieval-augmented answers: hybrid search, a relevance gate, a prompt of numbered sources within the model's
/// context budget, and the model's streamed reply.
public struct Answerer: Sendable {
    public let runtime: ZhikuRuntime

    public struct Request: Sendable {
        public var question: String
        /// Earlier turns, oldest first (trimmed oldest-first to fit).
        public var history: [ChatMessage] = []
        public var k = 5
        public var model: String?
        public var maxTokens = 384
        public var sampling = SamplingOptions(temperature: 0)

        public init(question: String) { self.question = question }

        /// Checks the request; the HTTP route calls this before the stream starts, so bad input is a 400.
        public func validate() throws {
            guard (1...20).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 20") }
        }
    }

    public init(runtime: ZhikuRuntime) { self.runtime = runtime }

    /// The reply when nothing relevant is found, in the language of the question.
    public static func notFoundReply(for question: String) -> String {
        question.unicodeScalars.contains { $0.isCJK }
            ? "知识库中没有找到与这个问题相关的内容，所以我无法根据资料回答。"
            : "I could not find anything about this in the knowledge base, so I cannot answer it from the documents."
    }

    public func answer(_ request: Request, in kb: KnowledgeBase) -> AsyncThrowingStream<AnswerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AnswerEvent.self)
        let task = Task {
            do {
                try await run(request, kb, continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func run(_ request: Request, _ kb: KnowledgeBase,
                     _ continuation: AsyncThrowingStream<AnswerEvent, any Error>.Continuation) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        func ms(_ d: Duration) -> Double { d.seconds * 1000 }
        try request.validate()
        let results = try await runtime.search(request.question, in: kb, k: request.k)
        let retrieval = ms(clock.now - started)
        let threshold = runtime.configuration.retrieval.noAnswerThreshold
        // The gate: the best semantic match must reach the threshold (keyword-only knowledge bases: any hit).
        let relevant: [SearchHit]
        if results.embeddingModel != nil {
            let best = results.hits.compactMap(\.vectorScore).max() ?? 0
            relevant = best >= threshold ? results.hits : []
        } else {
            relevant = results.hits
        }
        guard !relevant.isEmpty else {
            continuation.yield(.notFound(Self.notFoundReply(for: request.question)))
            continuation.yield(.done(AnswerStats(model: nil, promptTokens: 0, completionTokens: 0, finishReason: "not_found",
                                                 retrievalMs: retrieval, firstTokenMs: nil, totalMs: ms(clock.now - started))))
            return
        }
        let model = try await runtime.chatModels.model(request.model ?? runtime.configuration.chatModel)
        let (messages, used) = prompt(request, sources: relevant, model: model)
        let citations = used.enumerated().map { i, hit in
            Citation(n: i + 1, chunkID: hit.chunk.id, fileID: hit.chunk.fileID, fileName: hit.fileName, page: hit.chunk.page,
                     start: hit.chunk.start, end: hit.chunk.end, snippet: String(hit.chunk.text.prefix(300)), score: hit.score,
                     vectorScore: hit.vectorScore, keywordScore: hit.keywordScore)
        }
        continuation.yield(.citations(citations))
        var first: Double?
        var usage = ChatUsage(promptTokens: 0, completionTokens: 0, finishReason: "stop")
        for try await event in model.stream(ChatRequest(messages: messages, maxTokens: request.maxTokens, sampling: request.sampling)) {
            switch event {
            case .text(let piece):
                if first == nil { first = ms(clock.now - started) }
                continuation.yield(.token(piece))
            case .done(let u):
                usage = u
            }
        }
        continuation.yield(.done(AnswerStats(model: model.modelID, promptTokens: usage.promptTokens,
                                             completionTokens: usage.completionTokens, finishReason: usage.finishReason,
                                             retrievalMs: retrieval, firstTokenMs: first, totalMs: ms(clock.now - started))))
    }

    /// The messages for the model: instructions, as many whole sources as fit the context budget (best first),
    /// the most recent history that still fits, and the question. Returns them with the sources used.
    func prompt(_ request: Request, sources: [SearchHit], model: any ChatModel) -> ([ChatMessage], [SearchHit]) {
        let chinese = request.question.unicodeScalars.contains { $0.isCJK }
        let system = chinese
            ? "你是知识库助手。只根据编号资料回答，用 [n] 标注引用的资料编号。资料中没有答案时，直接说不知道。"
            : "You answer from the numbered sources only and cite them as [n]. If the sources do not contain the answer, say that you do not know."
        let budget = (model.contextTokens ?? 4096) - request.maxTokens - 64
        var used: [SearchHit] = []
        var cost = model.tokenCount(system) + model.tokenCount(request.question) + 32
        for hit in sources {
            let block = "[\(used.count + 1)] \(hit.fileName), p. \(hit.chunk.page)\n\(hit.chunk.text)\n\n"
            let tokens = model.tokenCount(block)
            if cost + tokens > budget { break }  // never cut a source mid-way
            cost += tokens
            used.append(hit)
        }
        if used.isEmpty, let best = sources.first { used = [best] }
        let sourcesText = used.enumerated().map { i, hit in "[\(i + 1)] \(hit.fileName), p. \(hit.chunk.page)\n\(hit.chunk.text)" }
            .joined(separator: "\n\n")
        var history: [ChatMessage] = []
        for turn in request.history.reversed() {
            let tokens = model.tokenCount(turn.content) + 8
            if cost + tokens > budget { break }
            cost += tokens
            history.insert(turn, at: 0)
        }
        let question = (chinese ? "资料：\n" : "Sources:\n") + sourcesText + (chinese ? "\n\n问题：" : "\n\nQuestion: ") + request.question
        return ([ChatMessage(role: "system", content: system)] + history + [ChatMessage(role: "user", content: question)], used)
    }
}
