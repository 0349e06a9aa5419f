/// Where ``ConversationStore/record(_:)`` put an exchange: its audit entry (what feedback attaches to), and the
/// conversation with the answer's message when it was stored in one.
public struct RecordedExchange: Sendable, Hashable {
    public var auditID: AuditEntry.ID
    public var conversation: Conversation?
    /// The assistant message of the answer (nil without a conversation).
    public var messageID: ConversationMessage.ID?

    public init(auditID: AuditEntry.ID, conversation: Conversation?, messageID: ConversationMessage.ID?) {
        self.auditID = auditID
        self.conversation = conversation
        self.messageID = messageID
    }
}
