import Foundation

/// A finished question-and-answer, as ``ConversationStore/record(_:)`` stores it: the two messages of the
/// conversation (when there is one) and the audit entry, in one transaction.
public struct ChatExchange: Sendable {
    /// Where the turn belongs.
    public enum Target: Sendable, Hashable {
        /// Audit only (an OpenAI-compatible call, a one-off CLI question).
        case none
        /// A new conversation, titled from the question.
        case newConversation
        case conversation(Conversation.ID)
    }

    public var target: Target
    public var kb: KnowledgeBase?
    public var user: String?
    /// The account a new conversation belongs to (nil: none).
    public var ownerID: User.ID?
    public var channel: AnswerChannel
    public var question: String
    public var answer: String
    public var citations: [Citation]
    public var retrieved: [AuditEntry.RetrievedChunk]
    public var stats: AnswerStats
    /// The exchange replaces the conversation's last question and answer (a regenerated answer).
    public var replacesLastTurn: Bool

    public init(target: Target, kb: KnowledgeBase?, user: String? = nil, ownerID: User.ID? = nil, channel: AnswerChannel, question: String, answer: String,
                citations: [Citation], retrieved: [AuditEntry.RetrievedChunk], stats: AnswerStats,
                replacesLastTurn: Bool = false) {
        self.target = target
        self.kb = kb
        self.user = user
        self.ownerID = ownerID
        self.channel = channel
        self.question = question
        self.answer = answer
        self.citations = citations
        self.retrieved = retrieved
        self.stats = stats
        self.replacesLastTurn = replacesLastTurn
    }
}
