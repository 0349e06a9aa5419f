import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}
