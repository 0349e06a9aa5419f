import ZhikuCore

/// How hybrid search merges the keyword list and the vector list (each best first) into one, best first, keeping
/// what each side contributed. Backends: ``ReciprocalRankFusion`` (ranks) and ``MinMaxScoreFusion`` (scores).
public protocol ResultFusion: Sendable {
    func fuse(keyword: [ScoredChunk], vector: [ScoredChunk]) -> [FusedChunk]
}

extension ReciprocalRankFusion: ResultFusion {}

extension [FusedChunk] {
    /// Best fused score first; ties go to the better keyword rank, then the lower chunk id (both fusions).
    func sortedByFusedScore() -> [FusedChunk] {
        sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            let ra = a.keywordRank ?? .max, rb = b.keywordRank ?? .max
            if ra != rb { return ra < rb }
            return a.chunkID < b.chunkID
        }
    }
}
