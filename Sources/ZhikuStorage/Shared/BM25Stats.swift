/// A keyword index's per-knowledge-base totals as the stores keep them (`bm25_stats`): how many documents, their
/// total length in tokens, and the generation that changes with every write (what in-memory snapshots are tagged with).
struct BM25Stats: Sendable {
    var documents: Int
    var totalLength: Int
    var generation: Int64

    /// A knowledge base with nothing indexed (no stats row).
    static let empty = BM25Stats(documents: 0, totalLength: 0, generation: -1)
}
