import Foundation

/// The conversations seam: stored chats with their messages, and the audit log of every answered question.
/// A finished exchange is recorded in one transaction, so a failure never leaves half a turn behind.
public protocol ConversationStore: Sendable {
    /// Stores the exchange (conversation messages when it has a target, the audit entry always) and says where it
    /// went. `.notFound` when the target conversation does not exist.
    @discardableResult
    func record(_ exchange: ChatExchange) async throws -> RecordedExchange
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
    /// `askedBy` (a user's audit name), after a time, and only answers rated `rated`.
    func auditEntries(kbs: [KnowledgeBase.ID]?, askedBy: String?, since: Date?, rated: AnswerFeedback.Rating?, limit: Int) async throws -> [AuditEntry]
    func auditEntry(id: AuditEntry.ID) async throws -> AuditEntry?
    /// Records (nil: removes) the feedback on an answer and returns its entry; `.notFound` when there is none.
    func setFeedback(_ feedback: AnswerFeedback?, onAnswer id: AuditEntry.ID) async throws -> AuditEntry
}

extension ConversationStore {
    /// The conversations of no account (the CLI's, or a server's without sign-in).
    public func conversations(limit: Int) async throws -> [Conversation] {
        try await conversations(limit: limit, owner: nil)
    }

    /// Audit entries, newest first, optionally only of the knowledge bases `kbs`, only of questions asked by
    /// `askedBy`, and after a time.
    public func auditEntries(kbs: [KnowledgeBase.ID]?, askedBy: String?, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await auditEntries(kbs: kbs, askedBy: askedBy, since: since, rated: nil, limit: limit)
    }

    /// Audit entries, newest first, optionally of one knowledge base and after a time.
    public func auditEntries(kb: KnowledgeBase.ID?, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await auditEntries(kbs: kb.map { [$0] }, askedBy: nil, since: since, rated: nil, limit: limit)
    }

    /// Audit entries, newest first, optionally only of the knowledge bases `kbs` and after a time.
    public func auditEntries(kbs: [KnowledgeBase.ID]?, since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await auditEntries(kbs: kbs, askedBy: nil, since: since, rated: nil, limit: limit)
    }
}
