import Foundation

/// Ranking quality of one query's results against binary relevance judgments, as BEIR and TREC tools compute
/// them: nDCG@k (gain 1 per relevant document, log2 discount, ideal ranking = all relevant first), MRR@k
/// (reciprocal rank of the first relevant document within k, else 0) and Recall@k (share of the relevant
/// documents within k).
public enum RetrievalMetrics {
    public static func ndcg(_ ranked: [String], relevant: Set<String>, at k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        var dcg = 0.0
        for (i, id) in ranked.prefix(k).enumerated() where relevant.contains(id) {
            dcg += 1 / log2(Double(i + 2))
        }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return dcg / ideal
    }

    public static func mrr(_ ranked: [String], relevant: Set<String>, at k: Int) -> Double {
        guard let i = ranked.prefix(k).firstIndex(where: relevant.contains) else { return 0 }
        return 1 / Double(i + 1)
    }

    public static func recall(_ ranked: [String], relevant: Set<String>, at k: Int) -> Double {
        guard !relevant.isEmpty else { return 0 }
        return Double(Set(ranked.prefix(k)).intersection(relevant).count) / Double(relevant.count)
    }

    /// The nearest-rank percentile (`p` in 0...100) of `values`; 0 for none.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
