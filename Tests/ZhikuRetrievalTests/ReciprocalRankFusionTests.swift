import Testing
import ZhikuCore
@testable import ZhikuRetrieval

@Suite struct ReciprocalRankFusionTests {
    @Test func agreementWinsAndContributionsAreKept() {
        let keyword = [ScoredChunk(chunkID: 1, score: 9), ScoredChunk(chunkID: 2, score: 5), ScoredChunk(chunkID: 3, score: 1)]
        let vector = [ScoredChunk(chunkID: 2, score: 0.9), ScoredChunk(chunkID: 4, score: 0.8), ScoredChunk(chunkID: 1, score: 0.1)]
        let fused = ReciprocalRankFusion(k: 60).fuse(keyword: keyword, vector: vector)
        #expect(fused.map(\.chunkID) == [2, 1, 4, 3])
        // chunk 2: keyword rank 2, vector rank 1 → 1/62 + 1/61.
        #expect(abs(fused[0].score - (1.0 / 62 + 1.0 / 61)) < 1e-12)
        #expect(fused[0].keywordRank == 2 && fused[0].vectorRank == 1)
        #expect(fused[0].keywordScore == 5 && fused[0].vectorScore == 0.9)
        #expect(fused[2].keywordRank == nil && fused[2].vectorRank == 2)
    }

    @Test func weightsAndTies() {
        let keyword = [ScoredChunk(chunkID: 7, score: 1)]
        let vector = [ScoredChunk(chunkID: 3, score: 1)]
        // Equal weights: same rank in each list ties; the keyword side wins the tie.
        #expect(ReciprocalRankFusion().fuse(keyword: keyword, vector: vector).map(\.chunkID) == [7, 3])
        #expect(ReciprocalRankFusion(vectorWeight: 2).fuse(keyword: keyword, vector: vector).map(\.chunkID) == [3, 7])
        #expect(ReciprocalRankFusion().fuse(keyword: [], vector: []).isEmpty)
    }
}
