/// Where a question came from, for the audit log and metrics.
public enum AnswerChannel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Zhiku's own API and web page (`/api/chat`).
    case api
    /// The OpenAI-compatible API (`/v1/chat/completions`).
    case openai
    /// The command line (`zhiku ask`, `zhiku chat`, `zhiku eval-qa`).
    case cli
    /// An MCP client (`zhiku mcp`, `/mcp`): the `ask` tool.
    case mcp
}
