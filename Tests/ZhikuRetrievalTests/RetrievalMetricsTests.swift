import Foundation
import Testing
import ZhikuRetrieval

@Suite struct RetrievalMetricsTests {
    @Test func handComputedScores() {
        let relevant: Set<String> = ["a", "b"]
        let ranked = ["x", "a", "y", "b"]
        // DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3).
        let dcg = 1 / log2(3.0) + 1 / log2(5.0), ideal = 1 + 1 / log2(3.0)
        #expect(abs(RetrievalMetrics.ndcg(ranked, relevant: relevant, at: 10) - dcg / ideal) < 1e-12)
        #expect(abs(RetrievalMetrics.ndcg(ranked, relevant: relevant, at: 2) - (1 / log2(3.0)) / ideal) < 1e-12)
        #expect(RetrievalMetrics.ndcg(["a", "b"], relevant: relevant, at: 10) == 1)
        #expect(RetrievalMetrics.ndcg(["x"], relevant: relevant, at: 10) == 0)
        #expect(RetrievalMetrics.mrr(ranked, relevant: relevant, at: 10) == 0.5)
        #expect(RetrievalMetrics.mrr(ranked, relevant: relevant, at: 1) == 0)
        #expect(RetrievalMetrics.recall(ranked, relevant: relevant, at: 2) == 0.5)
        #expect(RetrievalMetrics.recall(ranked, relevant: relevant, at: 4) == 1)
    }

    @Test func nearestRankPercentiles() {
        let values = (1...100).map(Double.init)
        #expect(RetrievalMetrics.percentile(values, 50) == 50)
        #expect(RetrievalMetrics.percentile(values, 99) == 99)
        #expect(RetrievalMetrics.percentile([3, 1, 2], 50) == 2)
        #expect(RetrievalMetrics.percentile([], 50) == 0)
    }
}
