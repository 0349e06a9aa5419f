import ZhikuRetrieval

/// How hybrid search fuses its two retrievers.
public struct RetrievalSettings: Sendable {
    /// Reciprocal Rank Fusion of the keyword and vector lists; defaults chosen on the dev sets (BENCHMARKS.md).
    public var fusion = ReciprocalRankFusion()
    /// How many candidates each retriever contributes before fusion (at least the k asked for).
    public var candidates = 100

    public init() {}
}
