import Foundation

/// The conversations seam: stored chats with their messages, and the audit log of every answered question.
/// A finished exchange is recorded in one transaction, so a failure never leaves half a turn behind.
public protocol ConversationStore: Sendable {
    /// Stores the exchange (conversation messages when it has a target, the audit entry always) and returns the
    /// conversation it went to, if any. `.notFound` when the target conversation does not exist.
    @discardableResult
    func record(_ exchange: ChatExchange) async throws -> Conversation?
    /// Creates an empty conversation titled from `question` (an answer that streams tells its client the
    /// conversation before the first token, then records into it).
    func startConversation(question: String, kb: KnowledgeBase?, owner: User.ID?) async throws -> Conversation
    /// The conversations of `owner` (nil: those of no account), most recently updated first.
    func conversations(limit: Int, owner: User.ID?) async throws -> [Conversation]
    func conversation(id: Conversation.ID) async throws -> Conversation?
    /// The messages of a conversation, oldest first.
    func messages(in conversation: Conversation.ID) async throws -> [ConversationMessage]
    func renameConversation(id: Conversation.ID, to title: String) async throws -> Conversation
    /// Deletes a conversation and its messages (the audit log keeps its entries); false when there was none.
    func deleteConversation(id: Conversation.ID) async throws -> Bool
    /// Audit entries, newest first, optionally only of the knowledge bases `kbs`, only of questions asked by
    /// `askedBy` (a user's audit name), and after a time.
    func auditEntries(kbs: [KnowledgeBase.ID]?, askedBy: String?, since: Date?, limit: Int) async throws -> [AuditEntry]
}

extension ConversationStore {
    /// The conversations of no account (the CLI's, or a server's without sign-in).
    public func conversations(limit: Int) async throws -> [Conversation] {
        try await conversations(limit: limit, owner: nil)
    }

    /// Audit entries, newest first, optionally of one knowledge base and after a time.
    public func auditEntries(kb: KnowledgeBase.ID?, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await auditEntries(kbs: kb.map { [$0] }, askedBy: nil, since: since, limit: limit)
    }

    /// Audit entries, newest first, optionally only of the knowledge bases `kbs` and after a time.
    public func auditEntries(kbs: [KnowledgeBase.ID]?, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await auditEntries(kbs: kbs, askedBy: nil, since: since, limit: limit)
    }
}
