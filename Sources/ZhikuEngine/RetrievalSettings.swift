import ZhikuRetrieval

/// How hybrid search fuses its two retrievers.
public struct RetrievalSettings: Sendable {
    /// Which fusion hybrid search uses (`ZHIKU_FUSION`: `scores`, the default, or `rrf`). Score fusion with equal
    /// shares: on both retrieval dev sets with both multilingual models it scored above reciprocal rank fusion
    /// (k = 5) every time, and its worst case against the better single side was less bad; fusions leaning on the
    /// vector side did better there still but lost 2–4 of 40 first hits on the QA set (BENCHMARKS.md).
    public var fusionMethod = FusionMethod.scores
    /// Reciprocal Rank Fusion of the keyword and vector lists (`ZHIKU_FUSION=rrf`), k = 5 and equal weights: of
    /// k ∈ {5, 10, 20, 60, 120} on the two dev sets, the k whose hybrid nDCG@10 beat the better single retriever by
    /// the widest margin on the set where it won least (BENCHMARKS.md has the grid).
    public var rrf = ReciprocalRankFusion(k: 5)
    /// Score fusion: each side's first 100 scores rescaled to 0…1, equal shares (`ZHIKU_FUSION_VECTOR_WEIGHT`).
    public var scores = MinMaxScoreFusion(vectorWeight: 0.5)

    public enum FusionMethod: String, Sendable {
        case rrf
        case scores
    }

    /// The fusion in use.
    public var fusion: any ResultFusion {
        switch fusionMethod {
        case .rrf: rrf
        case .scores: scores
        }
    }
    /// The second pass over the best ``rerankDepth`` results (`ZHIKU_RERANK`): `off` (the default), `sentences` (the
    /// knowledge base's embedding model scores each candidate's best sentence, ``EmbeddingReranker``) or `server`
    /// (a `/rerank` HTTP server, ``HTTPReranker``: `ZHIKU_RERANK_URL`, `ZHIKU_RERANK_MODEL`, `ZHIKU_RERANK_API_KEY`).
    public var rerank = RerankMethod.off
    /// How many of the first results the reranker reorders (`ZHIKU_RERANK_DEPTH`).
    public var rerankDepth = 20
    /// The reranker's share of the new order (`ZHIKU_RERANK_WEIGHT`, 0…1): both the reranker's and the first
    /// pass's scores are rescaled to 0…1 over the reordered results and mixed with this weight; 1 orders by the
    /// reranker alone.
    public var rerankWeight = 1.0

    public enum RerankMethod: String, Sendable {
        case off
        case sentences
        case server
    }

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
        modelNoAnswerThresholds.threshold(for: model) ?? noAnswerThreshold
    }

    public init() {}
}
