import Foundation

/// One answered question in the audit log: who asked what of which knowledge base, the chunks retrieved with their
/// scores, the answer, the model and the latency.
public struct AuditEntry: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    /// A chunk retrieval returned for the question, with its scores.
    public struct RetrievedChunk: Sendable, Hashable, Codable {
        public var chunkID: Chunk.ID
        public var score: Double
        public var vectorScore: Double?
        public var keywordScore: Double?

        public init(_ hit: SearchHit) {
            chunkID = hit.chunk.id
            score = hit.score
            vectorScore = hit.vectorScore
            keywordScore = hit.keywordScore
        }
    }

    public var id: ID
    public var at: Date
    /// The user who asked (nil until accounts exist: the local user).
    public var user: String?
    public var kbID: KnowledgeBase.ID?
    /// The knowledge base's name when asked (kept after the base is deleted).
    public var kbName: String?
    public var conversationID: Conversation.ID?
    /// Where the question came from.
    public var channel: AnswerChannel
    public var question: String
    public var retrieved: [RetrievedChunk]
    public var answer: String
    public var model: String?
    public var finishReason: FinishReason
    public var latencyMs: Double
    /// The numbered sources the answer was given (empty for entries recorded before they were kept).
    public var citations: [Citation] = []
    /// What the asker thought of the answer, if they said.
    public var feedback: AnswerFeedback?

    public init(id: ID, at: Date, user: String?, kbID: KnowledgeBase.ID?, kbName: String?, conversationID: Conversation.ID?,
                channel: AnswerChannel, question: String, retrieved: [RetrievedChunk], answer: String, model: String?,
                finishReason: FinishReason, latencyMs: Double) {
        self.id = id
        self.at = at
        self.user = user
        self.kbID = kbID
        self.kbName = kbName
        self.conversationID = conversationID
        self.channel = channel
        self.question = question
        self.retrieved = retrieved
        self.answer = answer
        self.model = model
        self.finishReason = finishReason
        self.latencyMs = latencyMs
    }
}
