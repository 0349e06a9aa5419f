import Foundation

/// The conversations seam: stored chats with their messages, and the audit log of every answered question.
/// A finished exchange is recorded in one transaction, so a failure never leaves half a turn behind.
public protocol ConversationStore: Sendable {
    /// Stores the exchange (conversation messages when it has a target, the audit entry always) and returns the
    /// conversation it went to, if any. `.notFound` when the target conversation does not exist.
    @discardableResult
    func record(_ exchange: ChatExchange) async throws -> Conversation?
    /// Conversations, most recently updated first.
    func conversations(limit: Int) async throws -> [Conversation]
    func conversation(id: Conversation.ID) async throws -> Conversation?
    /// The messages of a conversation, oldest first.
    func messages(in conversation: Conversation.ID) async throws -> [ConversationMessage]
    func renameConversation(id: Conversation.ID, to title: String) async throws -> Conversation
    /// Deletes a conversation and its messages (the audit log keeps its entries); false when there was none.
    func deleteConversation(id: Conversation.ID) async throws -> Bool
    /// Audit entries, newest first, optionally of one knowledge base and after a time.
    func auditEntries(kb: KnowledgeBase.ID?, since: Date?, limit: Int) async throws -> [AuditEntry]
}
