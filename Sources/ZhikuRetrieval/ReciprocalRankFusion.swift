import ZhikuCore

/// A fused result with what each retriever contributed, so a client can show why a chunk ranks where it does.
public struct FusedChunk: Sendable, Hashable, Codable {
    public var chunkID: Chunk.ID
    /// The fused score: Σ weight / (k + rank) over the retrievers that returned the chunk.
    public var score: Double
    public var keywordRank: Int?
    public var keywordScore: Double?
    public var vectorRank: Int?
    public var vectorScore: Double?

    public init(chunkID: Chunk.ID, score: Double, keywordRank: Int? = nil, keywordScore: Double? = nil,
                vectorRank: Int? = nil, vectorScore: Double? = nil) {
        self.chunkID = chunkID
        self.score = score
        self.keywordRank = keywordRank
        self.keywordScore = keywordScore
        self.vectorRank = vectorRank
        self.vectorScore = vectorScore
    }
}

/// Reciprocal Rank Fusion (Cormack et al., 2009): each list contributes weight / (k + rank) for a chunk at
/// 1-based `rank`, so agreement between retrievers counts and raw score scales (BM25 vs cosine) do not.
public struct ReciprocalRankFusion: Sendable {
    /// Dampens the advantage of the very top ranks (60 in the original paper).
    public var k: Double
    public var keywordWeight: Double
    public var vectorWeight: Double

    public init(k: Double = 60, keywordWeight: Double = 1, vectorWeight: Double = 1) {
        self.k = k
        self.keywordWeight = keywordWeight
        self.vectorWeight = vectorWeight
    }

    /// Fuses two ranked lists (best first) into one, best first; ties go to the better keyword rank, then the
    /// lower chunk id.
    public func fuse(keyword: [ScoredChunk], vector: [ScoredChunk]) -> [FusedChunk] {
        var fused: [Chunk.ID: FusedChunk] = [:]
        func add(_ list: [ScoredChunk], weight: Double, record: (inout FusedChunk, Int, Double) -> Void) {
            for (i, hit) in list.enumerated() {
                var entry = fused[hit.chunkID] ?? FusedChunk(chunkID: hit.chunkID, score: 0)
                entry.score += weight / (k + Double(i + 1))
                record(&entry, i + 1, hit.score)
                fused[hit.chunkID] = entry
            }
        }
        add(keyword, weight: keywordWeight) { $0.keywordRank = $1; $0.keywordScore = $2 }
        add(vector, weight: vectorWeight) { $0.vectorRank = $1; $0.vectorScore = $2 }
        return Array(fused.values).sortedByFusedScore()
    }
}
