import Foundation

/// Usage and timings of one answer: which model wrote it, how many tokens, why it stopped, how long each part took.
public struct AnswerStats: Sendable, Hashable, Codable {
    /// The chat model; nil when none was asked (nothing relevant found, or an extractive answer).
    public var model: String?
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: FinishReason
    public var retrievalMs: Double
    public var firstTokenMs: Double?
    public var totalMs: Double

    public init(model: String?, promptTokens: Int, completionTokens: Int, finishReason: FinishReason, retrievalMs: Double,
                firstTokenMs: Double?, totalMs: Double) {
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
        self.retrievalMs = retrievalMs
        self.firstTokenMs = firstTokenMs
        self.totalMs = totalMs
    }
}
