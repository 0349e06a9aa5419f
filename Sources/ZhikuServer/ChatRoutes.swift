import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// `POST /api/chat`: a question answered from a knowledge base (or, with no `kb`, a plain chat with the model),
/// streamed as Server-Sent Events — `citations` (the numbered sources, first), `token` (pieces of the answer),
/// `done` (usage, timings and the conversation it was stored in; `not_found` when nothing relevant was found and
/// the reply says so), `error`.
///
/// With `conversation_id` the question continues that stored conversation (its messages are the history);
/// without it a new conversation is stored, unless `"store": false`.
struct ChatRoutes {
    let runtime: ZhikuRuntime

    struct Body: Decodable {
        var kb: String?
        var question: String
        var conversationId: Conversation.ID?
        /// Earlier turns, oldest first; default: the stored conversation's messages.
        var messages: [ChatMessage]?
        var model: String?
        /// `generate` (default) or `extractive` (no language model).
        var mode: String?
        var k: Int?
        /// `hybrid`, `keyword` or `vector`; default: the settings'.
        var searchMode: String?
        /// Answer the conversation's last question again, replacing its last answer.
        var regenerate: Bool?
        var maxTokens: Int?
        var temperature: Double?
        var seed: UInt64?
        var store: Bool?
        /// Only passages of the files this matches (``SearchFilter``).
        var filters: SearchFilter?
    }

    struct Token: Encodable { var text: String }
    struct Sources: Encodable { var citations: [Citation] }
    struct Done: Encodable {
        var notFound: Bool
        var stats: AnswerStats
        var conversationId: Conversation.ID?
        /// The answer's id for feedback (`POST /api/answers/{id}/feedback`).
        var answerId: AuditEntry.ID
        var messageId: ConversationMessage.ID?
    }
    struct Queued: Encodable { var position: Int }
    /// The first event of an answer that starts a conversation.
    struct Started: Encodable { var conversationId: Conversation.ID }
    /// How much of the prompt the model has read (the web UI's progress bar before the first token).
    struct Progress: Encodable { var promptTokensDone: Int; var promptTokensTotal: Int }

    func register(on router: RouteRecorder) {
        router.post("api/chat") { request, context in
            let body = try await request.decode(as: Body.self, context: context)
            let user = try context.requireUser()
            let kb: KnowledgeBase? = if let name = body.kb, !name.isEmpty {
                try await runtime.access.knowledgeBase(name, for: user, needs: .viewer)
            } else { nil }
            var ask = Answerer.Request(question: body.question.trimmingCharacters(in: .whitespacesAndNewlines))
            ask.history = body.messages ?? []
            ask.model = body.model
            let settings = await runtime.settings.answers
            ask.k = body.k ?? settings.k
            ask.searchMode = try body.searchMode.map(SearchMode.parse) ?? settings.searchMode
            ask.filter = try body.filters?.validated()
            ask.noAnswerThreshold = settings.noAnswerThreshold
            ask.modelThresholds = settings.modelThresholds
            ask.mode = settings.answerMode
            ask.maxTokens = body.maxTokens ?? 384
            guard ask.maxTokens <= runtime.configuration.maxAnswerTokens else {
                throw ZhikuError.invalidInput("max_tokens may be at most \(runtime.configuration.maxAnswerTokens) here (ZHIKU_MAX_ANSWER_TOKENS)")
            }
            ask.sampling = try SamplingOptions(temperature: body.temperature ?? 0, seed: body.seed ?? 0).validated()
            if let mode = body.mode {
                guard let m = Answerer.Mode(rawValue: mode) else {
                    throw ZhikuError.invalidInput("mode must be 'generate' or 'extractive', got '\(mode)'")
                }
                ask.mode = m
            }
            if body.regenerate == true, body.conversationId == nil {
                throw ZhikuError.invalidInput("regenerate needs the conversation_id whose last answer it replaces")
            }
            if ask.mode == .extractive, kb == nil, body.mode == nil { ask.mode = .generate }
            if ask.mode == .extractive, kb == nil { throw ZhikuError.invalidInput("an extractive answer needs a knowledge base (kb)") }
            ask.user = user.auditName
            ask.ownerID = user.ownerID
            if let id = body.conversationId {
                guard let conversation = try await runtime.conversations.conversation(id: id), conversation.userID == user.ownerID else {
                    throw ZhikuError.notFound("conversation \(id) does not exist")
                }
                ask.target = .conversation(id)
                ask.replaceLast = body.regenerate ?? false
            } else if body.store ?? true {
                ask.target = .newConversation
            }
            try ask.validate(runtime.configuration)
            if ask.mode == .generate { _ = try await runtime.chatModels.model(ask.model) }  // an unknown model is a 400 here
            let events = Answerer(runtime: runtime).answer(ask, in: kb)
            return ServerSentEvent.response(.zhiku, for: user, logger: context.logger, what: "an answer") { writer in
                var notFound = false
                for try await event in events {
                    switch event {
                    case .conversation(let id): try await writer.write(ServerSentEvent.frame("conversation", Started(conversationId: id)))
                    case .citations(let list): try await writer.write(ServerSentEvent.frame("citations", Sources(citations: list)))
                    case .queued(let position): try await writer.write(ServerSentEvent.frame("queued", Queued(position: position)))
                    case .progress(let done, let total):
                        try await writer.write(ServerSentEvent.frame("progress", Progress(promptTokensDone: done, promptTokensTotal: total)))
                    case .token(let text): try await writer.write(ServerSentEvent.frame("token", Token(text: text)))
                    case .notFound(let reply):
                        notFound = true
                        try await writer.write(ServerSentEvent.frame("citations", Sources(citations: [])))
                        try await writer.write(ServerSentEvent.frame("token", Token(text: reply)))
                    case .done(let stats, let recorded):
                        try await writer.write(ServerSentEvent.frame(
                            "done", Done(notFound: notFound || stats.finishReason == .notFound, stats: stats,
                                         conversationId: recorded.conversation?.id, answerId: recorded.auditID,
                                         messageId: recorded.messageID)))
                    }
                }
            }
        }
    }
}
