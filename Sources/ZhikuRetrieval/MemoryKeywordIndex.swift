import ZhikuCore

/// An in-memory BM25 index: the reference implementation of ``KeywordIndex`` (and a fast one for tests and
/// small tools). It scores exactly as the persistent backends must.
public actor MemoryKeywordIndex: KeywordIndex {
    private struct Shard {
        var postings: [String: [Chunk.ID: Int]] = [:]
        var lengths: [Chunk.ID: Int] = [:]
        var termsOf: [Chunk.ID: [String]] = [:]
        var totalLength = 0
    }

    private let tokenizer: any TextTokenizer
    private let parameters: BM25Parameters
    private var shards: [KnowledgeBase.ID: Shard] = [:]

    public init(tokenizer: any TextTokenizer, parameters: BM25Parameters = .init()) {
        self.tokenizer = tokenizer
        self.parameters = parameters
    }

    public func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) {
        var shard = shards[kb, default: Shard()]
        for chunk in chunks where shard.lengths[chunk.id] == nil {
            let (counts, length) = tokenizer.termCounts(chunk.text)
            for (t, tf) in counts { shard.postings[t, default: [:]][chunk.id] = tf }
            shard.lengths[chunk.id] = length
            shard.termsOf[chunk.id] = Array(counts.keys)
            shard.totalLength += length
        }
        shards[kb] = shard
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) {
        guard var shard = shards[kb] else { return }
        for id in chunkIDs {
            guard let length = shard.lengths.removeValue(forKey: id) else { continue }
            shard.totalLength -= length
            for t in shard.termsOf.removeValue(forKey: id) ?? [] {
                shard.postings[t]?[id] = nil
                if shard.postings[t]?.isEmpty == true { shard.postings[t] = nil }
            }
        }
        shards[kb] = shard
    }

    public func removeAll(from kb: KnowledgeBase.ID) {
        shards[kb] = nil
    }

    public func search(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) -> [ScoredChunk] {
        guard k > 0, let shard = shards[kb], !shard.lengths.isEmpty else { return [] }
        let n = shard.lengths.count
        let average = Double(shard.totalLength) / Double(n)
        var scores: [Chunk.ID: Double] = [:]
        for term in tokenizer.terms(query) {
            guard let postings = shard.postings[term] else { continue }
            let idf = BM25Parameters.idf(documentCount: n, documentFrequency: postings.count)
            for (id, tf) in postings where scope?.contains(id) ?? true {
                scores[id, default: 0] += parameters.termWeight(
                    idf: idf, tf: tf, length: shard.lengths[id] ?? 0, averageLength: average)
            }
        }
        var top = TopK(k)
        for (id, score) in scores { top.offer(id, score: score) }
        return top.results
    }
}
