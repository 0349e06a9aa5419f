import ZhikuRetrieval

/// How hybrid search fuses its two retrievers.
public struct RetrievalSettings: Sendable {
    /// Reciprocal Rank Fusion of the keyword and vector lists, k = 5 and equal weights: of k ∈ {5, 10, 20, 60, 120}
    /// on the two dev sets, the k whose hybrid nDCG@10 beat the better single retriever by the widest margin on
    /// the set where it won least (BENCHMARKS.md has the grid).
    public var fusion = ReciprocalRankFusion(k: 5)
    /// How many candidates each retriever contributes before fusion (at least the k asked for).
    public var candidates = 100

    public init() {}
}
