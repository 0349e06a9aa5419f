import ZhikuCore

/// Score fusion: each side's scores over its first `depth` results are rescaled to 0…1 (the side's best is 1,
/// its `depth`-th 0), and a chunk scores (1 − vectorWeight)·keyword + vectorWeight·vector, a side that did not
/// return it among its first `depth` adding 0. Unlike rank fusion it keeps how far apart the scores are: a
/// vector side whose first result stands out is not pulled down by a keyword list that is unsure, and the reverse.
public struct MinMaxScoreFusion: Sendable {
    /// The vector side's share, 0…1.
    public var vectorWeight: Double
    /// How many results of each side take part (the hybrid search's candidates per side).
    public var depth: Int

    public init(vectorWeight: Double, depth: Int = 100) {
        self.vectorWeight = vectorWeight
        self.depth = depth
    }
}

extension MinMaxScoreFusion {
    /// `values` rescaled to 0…1 (lowest 0, highest 1); all 1 when they are all equal.
    public static func rescaled(_ values: [Double]) -> [Double] {
        guard let low = values.min(), let high = values.max(), high > low else { return values.map { _ in 1 } }
        return values.map { ($0 - low) / (high - low) }
    }
}

extension MinMaxScoreFusion: ResultFusion {
    public func fuse(keyword: [ScoredChunk], vector: [ScoredChunk]) -> [FusedChunk] {
        var fused: [Chunk.ID: FusedChunk] = [:]
        func add(_ list: [ScoredChunk], weight: Double, record: (inout FusedChunk, Int, Double) -> Void) {
            let rescaled = Self.rescaled(list.prefix(depth).map(\.score))
            for (i, hit) in list.enumerated() {
                var entry = fused[hit.chunkID] ?? FusedChunk(chunkID: hit.chunkID, score: 0)
                if i < depth { entry.score += weight * rescaled[i] }
                record(&entry, i + 1, hit.score)
                fused[hit.chunkID] = entry
            }
        }
        add(keyword, weight: 1 - vectorWeight) { $0.keywordRank = $1; $0.keywordScore = $2 }
        add(vector, weight: vectorWeight) { $0.vectorRank = $1; $0.vectorScore = $2 }
        return Array(fused.values).sortedByFusedScore()
    }
}
