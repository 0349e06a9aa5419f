import ZhikuRetrieval

/// How hybrid search fuses its two retrievers.
public struct RetrievalSettings: Sendable {
    /// Reciprocal Rank Fusion of the keyword and vector lists, k = 5 and equal weights: of k ∈ {5, 10, 20, 60, 120}
    /// on the two dev sets, the k whose hybrid nDCG@10 beat the better single retriever by the widest margin on
    /// the set where it won least (BENCHMARKS.md has the grid).
    public var fusion = ReciprocalRankFusion(k: 5)
    /// How many candidates each retriever contributes before fusion (at least the k asked for).
    public var candidates = 100
    /// Answers are refused ("not found") when no retrieved chunk reaches this cosine similarity to the question.
    /// 0.85 for multilingual-e5-small: on 300 dev-set questions asked of their own collection and 300 asked of the
    /// other one, it kept 296 of the first and refused 291 of the second (BENCHMARKS.md). Other models place
    /// cosines differently: set `ZHIKU_NO_ANSWER_THRESHOLD` for them.
    public var noAnswerThreshold = 0.85
    /// The gate of embedding models calibrated the same way (BENCHMARKS.md); the others use ``noAnswerThreshold``.
    public var modelNoAnswerThresholds = [AnswerSettings.ModelThreshold(model: "embeddinggemma-300m", threshold: 0.38)]

    /// The gate for a knowledge base embedded with `model`.
    public func noAnswerThreshold(for model: String?) -> Double {
        model.flatMap { m in modelNoAnswerThresholds.first { $0.model == m }?.threshold } ?? noAnswerThreshold
    }

    public init() {}
}
