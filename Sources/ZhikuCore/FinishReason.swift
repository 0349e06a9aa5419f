/// Why an answer or a generation ended. The raw values are what clients, the audit log and metrics see.
public enum FinishReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The model finished (or a stop text appeared).
    case stop
    /// The token limit cut the answer.
    case length
    /// Nothing relevant was found, or the model said its sources do not answer: the not-found reply.
    case notFound = "not_found"
    /// Quoted from the sources, no model asked.
    case extractive
    /// The client stopped the answer.
    case cancelled
    /// The answer failed.
    case error

    /// A finish reason read back from storage or from a model server: unknown values (an OpenAI server's
    /// `content_filter`, say) count as `stop`.
    public init(reading raw: String) {
        self = FinishReason(rawValue: raw) ?? .stop
    }
}
