/// Who wrote a turn of a conversation.
public enum ChatRole: String, Sendable, Hashable, Codable, CaseIterable {
    case system, user, assistant

    /// Reads OpenAI's roles: `developer` (its newer name for the system turn) is `system`; an unknown role is an
    /// error naming it.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        if raw == "developer" { self = .system; return }
        guard let role = ChatRole(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown role '\(raw)' (system, user or assistant)"))
        }
        self = role
    }
}
