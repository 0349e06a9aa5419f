import ZhikuCore

/// The retrieval knobs of answers that a request does not set itself: how many sources, how they are searched,
/// whether a model writes the answer, and the relevance gate. Changed at run time (`PUT /api/settings`).
public struct AnswerSettings: Sendable, Codable, Equatable {
    /// Sources retrieved per question (1…20).
    public var k: Int
    public var searchMode: SearchMode
    /// `generate` or `extractive`.
    public var answerMode: Answerer.Mode
    /// Answers are refused when no source reaches this cosine similarity (0…1; 0 never refuses).
    public var noAnswerThreshold: Double

    public init(k: Int = 5, searchMode: SearchMode = .hybrid, answerMode: Answerer.Mode = .generate,
                noAnswerThreshold: Double) {
        self.k = k
        self.searchMode = searchMode
        self.answerMode = answerMode
        self.noAnswerThreshold = noAnswerThreshold
    }

    /// The settings, or an error naming the value out of range.
    public func validated() throws -> AnswerSettings {
        guard (1...20).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 20, got \(k)") }
        guard noAnswerThreshold.isFinite, (0...1).contains(noAnswerThreshold) else {
            throw ZhikuError.invalidInput("no_answer_threshold must be between 0 and 1, got \(noAnswerThreshold)")
        }
        return self
    }
}
