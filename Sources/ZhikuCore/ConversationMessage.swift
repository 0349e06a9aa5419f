import Foundation

/// One stored message of a ``Conversation``: the user's question, or the assistant's answer with its citations,
/// model, token counts and timings.
public struct ConversationMessage: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64
    public var id: ID
    public var conversationID: Conversation.ID
    /// `user` or `assistant`.
    public var role: ChatRole
    public var content: String
    public var citations: [Citation]
    /// Usage and timings (assistant messages only).
    public var stats: AnswerStats?
    public var createdAt: Date
    /// The answer's audit entry (assistant messages recorded since feedback exists), which feedback is given on.
    public var auditID: AuditEntry.ID?
    /// The feedback given on the answer.
    public var feedback: AnswerFeedback?

    public init(id: ID, conversationID: Conversation.ID, role: ChatRole, content: String, citations: [Citation] = [],
                stats: AnswerStats? = nil, createdAt: Date) {
        self.id = id
        self.conversationID = conversationID
        self.role = role
        self.content = content
        self.citations = citations
        self.stats = stats
        self.createdAt = createdAt
    }

    /// The message as chat history for a model.
    public var chatMessage: ChatMessage { ChatMessage(role: role, content: content) }
}
