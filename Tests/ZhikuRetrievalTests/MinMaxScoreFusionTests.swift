import Testing
import ZhikuCore
@testable import ZhikuRetrieval

@Suite struct MinMaxScoreFusionTests {
    @Test func scoresAreRescaledPerSideAndWeighted() {
        // Keyword: 1 → 10 (1.0), 2 → 6 (0.5), 3 → 2 (0.0). Vector: 3 → 0.9 (1.0), 1 → 0.7 (0.0).
        let keyword = [ScoredChunk(chunkID: 1, score: 10), ScoredChunk(chunkID: 2, score: 6), ScoredChunk(chunkID: 3, score: 2)]
        let vector = [ScoredChunk(chunkID: 3, score: 0.9), ScoredChunk(chunkID: 1, score: 0.7)]
        let equal = MinMaxScoreFusion(vectorWeight: 0.5).fuse(keyword: keyword, vector: vector)
        // 1: 0.5·1 + 0.5·0 = 0.5; 3: 0.5·0 + 0.5·1 = 0.5 (tie: better keyword rank first); 2: 0.25.
        #expect(equal.map(\.chunkID) == [1, 3, 2])
        #expect(equal.map(\.score) == [0.5, 0.5, 0.25])
        #expect(equal[0].keywordRank == 1 && equal[0].vectorRank == 2 && equal[0].vectorScore == 0.7 && equal[0].keywordScore == 10)
        #expect(equal[2].vectorRank == nil)
        // Leaning on the vector side puts its first result on top.
        #expect(MinMaxScoreFusion(vectorWeight: 0.8).fuse(keyword: keyword, vector: vector).first?.chunkID == 3)
        #expect(MinMaxScoreFusion(vectorWeight: 0).fuse(keyword: keyword, vector: vector).map(\.chunkID) == [1, 2, 3])
    }

    @Test func onlyTheFirstDepthResultsCountAndSingleResultsScoreFull() {
        let keyword = [ScoredChunk(chunkID: 1, score: 5), ScoredChunk(chunkID: 2, score: 4), ScoredChunk(chunkID: 9, score: 1)]
        let fused = MinMaxScoreFusion(vectorWeight: 0.5, depth: 2).fuse(keyword: keyword, vector: [ScoredChunk(chunkID: 9, score: 0.8)])
        // Chunk 9 is third on the keyword side (beyond depth 2: adds nothing there) and alone on the vector side (1.0).
        #expect(fused.first { $0.chunkID == 9 }?.score == 0.5 && fused.first { $0.chunkID == 9 }?.keywordRank == 3)
        #expect(fused.first { $0.chunkID == 2 }?.score == 0)
        #expect(MinMaxScoreFusion(vectorWeight: 0.5).fuse(keyword: [], vector: []).isEmpty)
    }
}
