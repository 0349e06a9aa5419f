import Foundation

/// A stored chat: a title, the knowledge base it asks (if any), and its messages (``ConversationMessage``).
public struct Conversation: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64
    public var id: ID
    public var title: String
    /// The knowledge base the conversation answers from; nil for a plain chat (or when that base was deleted).
    public var kbID: KnowledgeBase.ID?
    public var createdAt: Date
    public var updatedAt: Date
    public var messageCount: Int
    /// Whose conversation it is (nil: the local user of a server without sign-in, or the CLI).
    public var userID: User.ID?

    public init(id: ID, title: String, kbID: KnowledgeBase.ID?, createdAt: Date, updatedAt: Date, messageCount: Int,
                userID: User.ID? = nil) {
        self.id = id
        self.userID = userID
        self.title = title
        self.kbID = kbID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
    }

    /// A title from the first question: its first line, at most 60 characters.
    public static func title(for question: String) -> String {
        let line = question.split(whereSeparator: \.isNewline).first.map(String.init) ?? question
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 60 ? String(trimmed.prefix(59)) + "…" : trimmed
    }

    /// Checks a title given by a user (rename): not empty, at most 200 characters.
    public static func validatedTitle(_ title: String) throws -> String {
        let t = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw ZhikuError.invalidInput("the title is empty") }
        guard t.count <= 200 else { throw ZhikuError.invalidInput("the title is longer than 200 characters") }
        return t
    }
}
