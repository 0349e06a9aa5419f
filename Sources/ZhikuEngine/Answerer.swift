import Foundation
import ZhikuCore
import ZhikuRetrieval

/// What an answer streams: its sources first, then text (or the "not found" reply), then `done`.
public enum AnswerEvent: Sendable {
    /// The new conversation this answer is stored in (first, before anything else; only for a new conversation).
    case conversation(Conversation.ID)
    case citations([Citation])
    /// The model has read `done` of the prompt's `total` tokens (before the first token; models that can tell).
    case progress(done: Int, total: Int)
    /// Other answers are ahead at the model: this one is `position` in the queue (1: next).
    case queued(position: Int)
    case token(String)
    /// Nothing relevant was found: the reply, in the question's language; no model was asked.
    case notFound(String)
    /// The answer is complete and recorded: its audit entry (feedback is given on it) and the conversation it was
    /// stored in, if any.
    case done(AnswerStats, recorded: RecordedExchange)
}

/// Retrieval-augmented answers: hybrid search, a relevance gate, a prompt of numbered sources within the model's
/// context budget, and the model's streamed reply — or, in extractive mode, the best sentences of the best
/// passages with no model at all. Every finished answer is recorded (conversation and audit log) in one
/// transaction; an answer the client stops is recorded as `cancelled` with the text it got; a failed one leaves
/// only an audit entry.
public struct Answerer: Sendable {
    public let runtime: ZhikuRuntime

    public enum Mode: String, Sendable, Codable {
        /// A chat model writes the answer from the sources.
        case generate
        /// The best passages' most relevant sentences, quoted with their numbers; no language model.
        case extractive
    }

    public struct Request: Sendable {
        public var question: String
        /// Earlier turns, oldest first (trimmed oldest-first to fit). Empty with a stored conversation: its messages.
        public var history: [ChatMessage] = []
        public var k = 5
        public var searchMode = SearchMode.hybrid
        /// Only passages of the files this matches are retrieved (nil: the whole knowledge base).
        public var filter: SearchFilter?
        /// The relevance gate (nil: the configured one for the knowledge base's embedding model).
        public var noAnswerThreshold: Double?
        /// Per-model gates, used before `noAnswerThreshold` for a model they name.
        public var modelThresholds: [AnswerSettings.ModelThreshold] = []
        /// Answer the conversation's last question again: the history leaves out its last turn, and the new
        /// answer replaces that turn when it is stored (a failed one leaves it as it was).
        public var replaceLast = false
        public var model: String?
        /// Whether `model` may be a `.gguf` path (the command line's own user; never an HTTP request).
        public var modelFilesAllowed = false
        public var maxTokens = 384
        public var sampling = SamplingOptions(temperature: 0)
        public var mode = Mode.generate
        /// Where the finished exchange is stored.
        public var target = ChatExchange.Target.none
        /// `api`, `openai` or `cli` (for the audit log).
        public var channel = AnswerChannel.api
        public var user: String?
        /// The account a new conversation belongs to.
        public var ownerID: User.ID?

        public init(question: String) { self.question = question }

        /// Whose turn this answer takes in the model's queue: the account, else the name given, else this machine.
        var queueOwner: String { AnswerQueues.owner(account: ownerID, name: user) }

        /// Checks the request against the configured length limits (``ZhikuConfiguration/maxQuestionCharacters``,
        /// ``ZhikuConfiguration/maxMessagesCharacters``); the HTTP route calls this before the stream starts, so
        /// bad input is a 400.
        public func validate(_ configuration: ZhikuConfiguration? = nil) throws {
            let questionLimit = configuration?.maxQuestionCharacters ?? 4000
            let totalLimit = configuration?.maxMessagesCharacters ?? 64_000
            guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ZhikuError.invalidInput("the question is empty")
            }
            let length = question.count
            guard length <= questionLimit else {
                throw ZhikuError.invalidInput("the question has \(length) characters; the limit is \(questionLimit) "
                                              + "(ZHIKU_MAX_QUESTION_CHARS)")
            }
            let total = history.reduce(length) { $0 + $1.content.count }
            guard total <= totalLimit else {
                throw ZhikuError.invalidInput("the messages have \(total) characters in all; the limit is \(totalLimit)")
            }
            guard (1...20).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 20") }
            guard (1...8192).contains(maxTokens) else { throw ZhikuError.invalidInput("max_tokens must be between 1 and 8192") }
        }
    }

    public init(runtime: ZhikuRuntime) { self.runtime = runtime }

    /// The reply when nothing relevant is found, in the language of the question.
    public static func notFoundReply(for question: String) -> String {
        isChinese(question)
            ? "知识库中没有找到与这个问题相关的内容，所以我无法根据资料回答。"
            : "I could not find anything about this in the knowledge base, so I cannot answer it from the documents."
    }

    /// The reply when the request's filter matches no file of the knowledge base.
    public static func noFilesReply(for question: String) -> String {
        isChinese(question)
            ? "知识库中没有符合筛选条件的文件，所以没有可以依据的资料。"
            : "No file in the knowledge base matches the filter, so there is nothing to answer from."
    }

    /// The instructions of a sourced answer.
    static func systemPrompt(chinese: Bool) -> String {
        // No "say you don't know" line: with one, the built-in 1.5B model refused answerable questions whose answer
        // was source [1] (13 of 40 on the dev set); off-topic questions are stopped by the gate, and invented
        // specifics by ``Grounding``.
        chinese
            ? "你是知识库问答助手，只根据用户给出的编号资料回答问题。先用一到三句话直接回答，再在句末用 [n] 标注所依据的资料编号。"
            : "You answer questions from the numbered sources the user gives, and from nothing else. Answer directly in one "
                + "to three sentences, then cite the sources you used as [n] at the end of the sentence."
    }

    /// How a model says its sources do not answer the question (recognised in its answer, as the gate's reply is).
    static let modelNotFound = (chinese: "资料中没有找到答案。", english: "The documents do not cover this.")

    static func isChinese(_ text: String) -> Bool { text.unicodeScalars.contains { $0.isCJK } }

    /// Answers `request` from `kb` (nil: a plain chat with the model, no retrieval).
    public func answer(_ request: Request, in kb: KnowledgeBase?) -> AsyncThrowingStream<AnswerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AnswerEvent.self)
        let task = Task {
            var progress = Progress()
            var request = request
            // A new conversation is made first, so the client knows it even when it stops the answer.
            var started: Conversation.ID?
            do {
                try request.validate(runtime.configuration)  // before anything is stored
                if request.target == .newConversation {
                    let conversation = try await runtime.conversations.startConversation(
                        question: request.question, kb: kb, owner: request.ownerID)
                    started = conversation.id
                    request.target = .conversation(conversation.id)
                    continuation.yield(.conversation(conversation.id))
                }
                try await run(request, kb, continuation, &progress)
                continuation.finish()
            } catch {
                // Record what happened in a task of its own: this one may be cancelled, and the record must land.
                // A stopped answer with text is kept in its conversation; otherwise a conversation this answer
                // started is removed again (a failed answer leaves only its audit entry).
                let stopped = error is CancellationError || Task.isCancelled
                let kept = stopped && !progress.answer.isEmpty
                let exchange = ChatExchange(
                    target: kept ? request.target : .none, kb: kb, user: request.user, ownerID: request.ownerID,
                    channel: request.channel, question: request.question, answer: progress.answer,
                    citations: progress.citations, retrieved: progress.retrieved,
                    stats: progress.stats(finishReason: stopped ? .cancelled : .error),
                    replacesLastTurn: request.replaceLast)
                let store = runtime.conversations
                _ = await Task {
                    _ = try? await store.record(exchange)
                    if !kept, let started { _ = try? await store.deleteConversation(id: started) }
                }.value
                EngineMetrics.answered(exchange.stats, channel: request.channel)
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// What an answer has produced so far, so a stopped or failed one can be recorded as it stood.
    struct Progress {
        let clock = ContinuousClock()
        let started = ContinuousClock.now
        var model: String?
        var answer = ""
        var citations: [Citation] = []
        /// The whole text of the sources the model was given (citations keep only a snippet).
        var sourceTexts: [String] = []
        var retrieved: [AuditEntry.RetrievedChunk] = []
        var retrievalMs = 0.0
        /// The request's filter matched no file.
        var filterMatchedNothing = false
        var firstTokenMs: Double?
        var usage = ChatUsage(promptTokens: 0, completionTokens: 0, finishReason: .stop)

        var elapsedMs: Double { (clock.now - started).seconds * 1000 }

        func stats(finishReason: FinishReason? = nil) -> AnswerStats {
            AnswerStats(model: model, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                        finishReason: finishReason ?? usage.finishReason, retrievalMs: retrievalMs,
                        firstTokenMs: firstTokenMs, totalMs: elapsedMs)
        }
    }

    /// The answer path, stage by stage: history → retrieve → gate → (extract | prompt → queue → generate → check)
    /// → record. Each stage is a function of its own below.
    private func run(_ request: Request, _ kb: KnowledgeBase?,
                     _ continuation: AsyncThrowingStream<AnswerEvent, any Error>.Continuation,
                     _ progress: inout Progress) async throws {
        let request = try await withStoredHistory(request)
        var sources: [SearchHit] = []
        if let kb {
            sources = try await retrieve(request, in: kb, &progress)
            guard !sources.isEmpty else {
                let reply = progress.filterMatchedNothing ? Self.noFilesReply(for: request.question) : Self.notFoundReply(for: request.question)
                progress.answer = reply
                continuation.yield(.notFound(reply))
                return try await finish(request, kb, progress.stats(finishReason: .notFound), &progress, continuation)
            }
        }
        if request.mode == .extractive {
            guard kb != nil else { throw ZhikuError.invalidInput("an extractive answer needs a knowledge base") }
            let (citations, text) = extract(request.question, from: sources)
            progress.citations = citations
            continuation.yield(.citations(citations))
            progress.firstTokenMs = progress.elapsedMs
            progress.answer = text
            continuation.yield(.token(text))
            return try await finish(request, kb, progress.stats(finishReason: .extractive), &progress, continuation)
        }
        let model = try await runtime.chatModels.model(request.model, allowingFiles: request.modelFilesAllowed)
        progress.model = model.modelID
        let messages: [ChatMessage]
        if kb != nil {
            let used: [SearchHit]
            (messages, used) = prompt(request, sources: sources, model: model)
            progress.citations = used.enumerated().map { Citation(n: $0 + 1, hit: $1) }
            progress.sourceTexts = used.map(\.chunk.text)
            continuation.yield(.citations(progress.citations))
        } else {
            messages = plainChat(request, model: model)
        }
        // Each [n] the model writes is checked against the sources as it streams.
        var corrector = kb == nil || !runtime.configuration.checksCitations ? nil : CitationCorrector(sources: progress.sourceTexts)
        try await generate(ChatRequest(messages: messages, maxTokens: request.maxTokens, sampling: request.sampling),
                           with: model, for: request, correcting: &corrector, continuation, &progress)
        var finishReason: FinishReason?
        if kb != nil {
            let verdict = Self.check(progress.answer, sources: progress.sourceTexts, question: request.question)
            if let addition = verdict.addition {
                progress.answer += addition
                continuation.yield(.token(addition))
            }
            finishReason = verdict.finishReason
        }
        try await finish(request, kb, progress.stats(finishReason: finishReason), &progress, continuation)
    }

    /// Stage 1: a stored conversation's turns become the history (all but the last question when it is asked again).
    func withStoredHistory(_ request: Request) async throws -> Request {
        guard case .conversation(let id) = request.target, request.history.isEmpty else { return request }
        var request = request
        var stored = try await runtime.conversations.messages(in: id)
        if request.replaceLast, let last = stored.lastIndex(where: { $0.role == .user }) {
            stored.removeSubrange(last...)
        }
        request.history = stored.map(\.chatMessage)
        return request
    }

    /// Stages 2 and 3: hybrid search, then the relevance gate; empty when nothing relevant was found.
    private func retrieve(_ request: Request, in kb: KnowledgeBase, _ progress: inout Progress) async throws -> [SearchHit] {
        let results = try await runtime.search(request.question, in: kb, k: request.k, mode: request.searchMode, translating: true,
                                               filter: request.filter)
        progress.retrievalMs = progress.elapsedMs
        progress.filterMatchedNothing = results.filteredFiles == 0
        progress.retrieved = results.hits.map(AuditEntry.RetrievedChunk.init)
        return relevant(results, threshold: request.modelThresholds.threshold(for: results.embeddingModel) ?? request.noAnswerThreshold)
    }

    /// Stage 5: a fair turn at the model (the client hears its place while it waits), then the model's tokens as
    /// they come, each `[n]` checked against the sources on its way (``CitationCorrector``).
    private func generate(_ chat: ChatRequest, with model: any ChatModel, for request: Request,
                          correcting corrector: inout CitationCorrector?,
                          _ continuation: AsyncThrowingStream<AnswerEvent, any Error>.Continuation,
                          _ progress: inout Progress) async throws {
        let turn = try await runtime.answerQueues.queue(for: model).turn(for: request.queueOwner) { position in
            continuation.yield(.queued(position: position))
        }
        defer { turn.release() }
        for try await event in model.stream(chat) {
            switch event {
            case .progress(let done, let total):
                continuation.yield(.progress(done: done, total: total))
            case .text(let piece):
                if progress.firstTokenMs == nil { progress.firstTokenMs = progress.elapsedMs }
                let shown = corrector?.feed(piece) ?? piece
                progress.answer += shown
                if !shown.isEmpty { continuation.yield(.token(shown)) }
            case .done(let usage):
                progress.usage = usage
            }
        }
        if let rest = corrector?.finish(), !rest.isEmpty {
            progress.answer += rest
            continuation.yield(.token(rest))
        }
        try Task.checkCancellation()
    }

    /// Stage 6: what a sourced answer needs after the model is done. The model's own "the documents do not cover
    /// this" counts as not found, like the gate's reply; so does an answer to a question that names something
    /// (a path, a setting, an identifier, an acronym) no source contains, an answer with no number to a question
    /// that asks for one, and an answer whose specifics (numbers, commands, names) are not in the sources or the
    /// question (``Grounding``): it then says so plainly after what it wrote.
    /// (Asking the model afterwards whether its sources state its answer was tried and dropped: the 1.5B model
    /// said yes to all four of its invented answers on the development set.) A grounded answer without a `[n]`
    /// gets one (``CitationRepair``). Returns the text to add, and the finish reason when it is not the model's.
    static func check(_ answer: String, sources: [String], question: String) -> (addition: String?, finishReason: FinishReason?) {
        if isModelRefusal(answer) { return (nil, .notFound) }
        // The question asks about something the sources never name: whatever the model wrote is not from them.
        let unnamed = Grounding.missingLiterals(of: question, in: sources)
        if !unnamed.isEmpty { return ("\n\n" + unnamedNote(unnamed, chinese: isChinese(question)), .notFound) }
        // A question for a number answered with none ("the port specified in the configuration file") was not
        // answered: the sources did not give the number.
        if Grounding.asksForNumber(question) && !Grounding.statesNumber(CitationRepair.withoutMarkers(answer)) {
            return ("\n\n" + (isChinese(question) ? noNumberNote.chinese : noNumberNote.english), .notFound)
        }
        if !Grounding.isGrounded(answer, in: sources + [question]) {
            return ("\n\n" + (isChinese(question) ? ungroundedNote.chinese : ungroundedNote.english), .notFound)
        }
        return (CitationRepair.missingCitations(answer: answer, sources: sources), nil)
    }

    /// Added to an answer to a question about literals (names, paths, settings) that no source contains.
    static func unnamedNote(_ literals: [String], chinese: Bool) -> String {
        chinese
            ? "（注意：资料中没有出现" + quoted(literals, chinese: true) + "，知识库可能没有涵盖这个问题。）"
            : "(Note: the sources never mention " + quoted(literals, chinese: false) + "; the documents may not cover this question.)"
    }

    /// Literals quoted as the language writes them: 「a」、「b」 or “a”, “b”.
    static func quoted(_ literals: [String], chinese: Bool) -> String {
        chinese ? literals.map { "「\($0)」" }.joined(separator: "、") : literals.map { "“\($0)”" }.joined(separator: ", ")
    }

    /// Added to an answer that gives no number for a question that asks for one.
    static let noNumberNote = (chinese: "（注意：问题问的是一个数值，回答没有给出，资料中可能没有这个数值。）",
                               english: "(Note: the question asks for a number and the answer gives none; the sources may not state it.)")

    /// Added to an answer whose specifics the sources do not contain.
    static let ungroundedNote = (chinese: "（注意：资料中没有找到上面这些具体内容的依据，知识库可能没有涵盖这个问题。）",
                                 english: "(Note: the sources do not contain these specifics; the documents may not cover this question.)")

    /// Whether an answer is the model's reply for sources that do not answer the question (``modelNotFound``,
    /// alone or with a few words or citations around it).
    static func isModelRefusal(_ answer: String) -> Bool {
        let squeezed = answer.filter { !$0.isWhitespace }.lowercased()
        for phrase in [modelNotFound.chinese, modelNotFound.english] {
            let p = phrase.filter { !$0.isWhitespace }.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "。."))
            if let r = squeezed.range(of: p), squeezed.distance(from: squeezed.startIndex, to: r.lowerBound) <= 8,
               squeezed.count <= p.count + 24 {
                return true
            }
        }
        return false
    }

    /// Stage 7: the exchange is recorded (conversation and audit log, one transaction) and `done` is sent.
    private func finish(_ request: Request, _ kb: KnowledgeBase?, _ stats: AnswerStats, _ progress: inout Progress,
                        _ continuation: AsyncThrowingStream<AnswerEvent, any Error>.Continuation) async throws {
        let exchange = ChatExchange(target: request.target, kb: kb, user: request.user, ownerID: request.ownerID, channel: request.channel,
                                    question: request.question, answer: progress.answer, citations: progress.citations,
                                    retrieved: progress.retrieved, stats: stats, replacesLastTurn: request.replaceLast)
        let store = runtime.conversations
        let recorded = try await Task { try await store.record(exchange) }.value
        EngineMetrics.answered(stats, channel: request.channel)
        continuation.yield(.done(stats, recorded: recorded))
    }

    /// The hits that pass the gate: all of them when the best semantic match reaches the threshold, none otherwise
    /// (keyword-only knowledge bases: any hit).
    public func relevant(_ results: SearchResults, threshold: Double? = nil) -> [SearchHit] {
        guard results.embeddingModel != nil else { return results.hits }
        let best = results.hits.compactMap(\.vectorScore).max() ?? 0
        return best >= (threshold ?? runtime.configuration.retrieval.noAnswerThreshold(for: results.embeddingModel)) ? results.hits : []
    }

    /// An extractive answer: the best sentences of the best source, and of up to two more whose best sentence
    /// matches at least half as well, each with its number.
    func extract(_ question: String, from sources: [SearchHit]) -> ([Citation], String) {
        let candidates = Array(sources.prefix(3))
        let picks = KeySentences().pick(candidates.map(\.chunk.text), for: question, limit: 2)
        let bar = (picks.first?.score ?? 0) / 2
        var citations: [Citation] = [], lines: [String] = []
        for (hit, pick) in zip(candidates, picks) where citations.isEmpty || (pick.score > 0 && pick.score >= bar) {
            let quote = pick.sentences.joined(separator: " ")
            citations.append(Citation(n: citations.count + 1, hit: hit, snippet: quote))
            lines.append("[\(citations.count)] \(quote)")
        }
        return (citations, lines.joined(separator: "\n\n"))
    }

    /// Stage 4: the messages for the model: instructions, as many whole sources as fit the context budget (best first),
    /// the most recent history that still fits, and the question. Returns them with the sources used.
    public func prompt(_ request: Request, sources: [SearchHit], model: any ChatModel) -> ([ChatMessage], [SearchHit]) {
        let chinese = Self.isChinese(request.question)
        let system = Self.systemPrompt(chinese: chinese)
        let budget = min((model.contextTokens ?? 4096) - request.maxTokens - 64, model.promptTokenBudget ?? .max)
        var used: [SearchHit] = []
        var cost = model.tokenCount(system) + model.tokenCount(request.question) + 32
        for hit in sources {
            let block = "[\(used.count + 1)] \(hit.fileName), \(Self.location(hit))\n\(hit.chunk.text)\n\n"
            let tokens = model.tokenCount(block)
            if cost + tokens > budget { break }  // never cut a source mid-way
            cost += tokens
            used.append(hit)
        }
        if used.isEmpty, let best = sources.first { used = [best] }
        let sourcesText = used.enumerated().map { i, hit in "[\(i + 1)] \(hit.fileName), \(Self.location(hit))\n\(hit.chunk.text)" }
            .joined(separator: "\n\n")
        let history = trimmedHistory(request.history, budget: budget - cost, model: model)
        // A question about something no source names gets the refusal instruction, which the model otherwise
        // over-applies (see ``systemPrompt(chinese:)``).
        let unnamed = Grounding.missingLiterals(of: request.question, in: used.map(\.chunk.text))
        let hint = unnamed.isEmpty ? "" : chinese
            ? "\n注意：资料中没有出现" + Self.quoted(unnamed, chinese: true) + "。如果资料不能回答这个问题，就只回答：" + Self.modelNotFound.chinese
            : "\nNote: the sources never mention " + Self.quoted(unnamed, chinese: false) + ". If they do not answer the question, reply only: "
                + Self.modelNotFound.english
        let question = chinese
            ? "资料：\n" + sourcesText + "\n\n问题：" + request.question + "\n请根据资料用中文回答，并标注资料编号。" + hint
            : "Sources:\n" + sourcesText + "\n\nQuestion: " + request.question + "\nAnswer in English from the sources, citing them as [n]." + hint
        return ([ChatMessage(role: .system, content: system)] + history + [ChatMessage(role: .user, content: question)], used)
    }

    /// A chat with no knowledge base: the most recent history that fits, and the question.
    func plainChat(_ request: Request, model: any ChatModel) -> [ChatMessage] {
        let budget = min((model.contextTokens ?? 4096) - request.maxTokens - 64, model.promptTokenBudget ?? .max)
            - model.tokenCount(request.question) - 8
        return trimmedHistory(request.history, budget: budget, model: model) + [ChatMessage(role: .user, content: request.question)]
    }

    /// The newest turns of `history` whose tokens fit `budget`, oldest first; older turns are dropped first.
    func trimmedHistory(_ history: [ChatMessage], budget: Int, model: any ChatModel) -> [ChatMessage] {
        var kept: [ChatMessage] = [], cost = 0
        for turn in history.reversed() {
            cost += model.tokenCount(turn.content) + 8
            if cost > budget { break }
            kept.append(turn)
        }
        return kept.reversed()
    }
}

extension Answerer {
    /// "p. 3", the time range of a passage of transcribed audio ("02:15–02:40"), or the rows of a piece of a
    /// worksheet ("rows 2–41"); then the section it sits under, if any ("p. 3 · 安装 › 安装过程"; a sheet's name).
    static func location(_ hit: SearchHit) -> String {
        let c = hit.chunk
        let place = c.startSeconds == nil && c.firstRow == nil ? "p. \(c.page)"
            : Transcript.location(page: c.page, startSeconds: c.startSeconds, endSeconds: c.endSeconds,
                                  firstRow: c.firstRow, lastRow: c.lastRow)
        return c.section.map { place + " · " + $0 } ?? place
    }
}
