import ZhikuCore

/// The retrieval knobs of answers that a request does not set itself: how many sources, how they are searched,
/// whether a model writes the answer, and the relevance gate. Changed at run time (`PUT /api/settings`).
public struct AnswerSettings: Sendable, Codable, Equatable {
    /// Sources retrieved per question (1…20).
    public var k: Int
    public var searchMode: SearchMode
    /// `generate` or `extractive`.
    public var answerMode: Answerer.Mode
    /// Answers are refused when no source reaches this cosine similarity (0…1; 0 never refuses), for knowledge
    /// bases whose embedding model has no entry in ``modelThresholds``.
    public var noAnswerThreshold: Double
    /// The gate for particular embedding models, whose cosines sit elsewhere than multilingual-e5-small's
    /// (defaults: ``RetrievalSettings/modelNoAnswerThresholds``).
    public var modelThresholds: [ModelThreshold]

    /// One embedding model's relevance gate.
    public struct ModelThreshold: Sendable, Codable, Equatable {
        public var model: String
        public var threshold: Double

        public init(model: String, threshold: Double) {
            self.model = model
            self.threshold = threshold
        }
    }

    public init(k: Int = 5, searchMode: SearchMode = .hybrid, answerMode: Answerer.Mode = .generate,
                noAnswerThreshold: Double, modelThresholds: [ModelThreshold] = RetrievalSettings().modelNoAnswerThresholds) {
        self.k = k
        self.searchMode = searchMode
        self.answerMode = answerMode
        self.noAnswerThreshold = noAnswerThreshold
        self.modelThresholds = modelThresholds
    }

    /// Settings files written before per-model thresholds existed get the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(k: try c.decode(Int.self, forKey: .k), searchMode: try c.decode(SearchMode.self, forKey: .searchMode),
                  answerMode: try c.decode(Answerer.Mode.self, forKey: .answerMode),
                  noAnswerThreshold: try c.decode(Double.self, forKey: .noAnswerThreshold),
                  modelThresholds: try c.decodeIfPresent([ModelThreshold].self, forKey: .modelThresholds)
                    ?? RetrievalSettings().modelNoAnswerThresholds)
    }

    /// The gate for a knowledge base embedded with `model` (nil: keyword only, or unknown).
    public func noAnswerThreshold(for model: String?) -> Double {
        modelThresholds.threshold(for: model) ?? noAnswerThreshold
    }

    /// The settings, or an error naming the value out of range.
    public func validated() throws -> AnswerSettings {
        guard (1...20).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 20, got \(k)") }
        guard noAnswerThreshold.isFinite, (0...1).contains(noAnswerThreshold) else {
            throw ZhikuError.invalidInput("no_answer_threshold must be between 0 and 1, got \(noAnswerThreshold)")
        }
        for entry in modelThresholds where !(entry.threshold.isFinite && (0...1).contains(entry.threshold)) || entry.model.isEmpty {
            throw ZhikuError.invalidInput("model_thresholds: '\(entry.model)' needs a model id and a threshold between 0 and 1, got \(entry.threshold)")
        }
        return self
    }
}

extension [AnswerSettings.ModelThreshold] {
    /// The gate listed for `model`, if any.
    func threshold(for model: String?) -> Double? {
        model.flatMap { m in first { $0.model == m }?.threshold }
    }
}
