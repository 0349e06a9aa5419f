import ZhikuCore

/// The best `k` of a stream of scored chunks, by score descending then chunk id ascending (the order every index
/// returns). Candidates below the current k-th cost one comparison, so a pass over many rows stays cheap.
struct TopK {
    let k: Int
    private(set) var results: [ScoredChunk] = []

    init(_ k: Int) {
        self.k = max(0, k)
        results.reserveCapacity(self.k + 1)
    }

    mutating func offer(_ id: Chunk.ID, score: Double) {
        guard k > 0 else { return }
        if results.count == k {
            let last = results[k - 1]
            if score < last.score || (score == last.score && id >= last.chunkID) { return }  // not better than the k-th
        }
        let candidate = ScoredChunk(chunkID: id, score: score)
        let position = results.firstIndex { Self.precedes(candidate, $0) } ?? results.count
        results.insert(candidate, at: position)
        if results.count > k { results.removeLast() }
    }

    static func precedes(_ a: ScoredChunk, _ b: ScoredChunk) -> Bool {
        a.score != b.score ? a.score > b.score : a.chunkID < b.chunkID
    }
}
