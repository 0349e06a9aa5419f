import Foundation

/// BM25 settings. Defaults are Lucene's.
public struct BM25Parameters: Sendable, Hashable, Codable {
    /// Term-frequency saturation.
    public var k1: Double
    /// Length normalisation (0 = none, 1 = full).
    public var b: Double

    public init(k1: Double = 1.2, b: Double = 0.75) {
        self.k1 = k1
        self.b = b
    }

    /// Lucene's idf: ln(1 + (N − df + 0.5) / (df + 0.5)); never negative.
    public static func idf(documentCount n: Int, documentFrequency df: Int) -> Double {
        log(1 + (Double(n - df) + 0.5) / (Double(df) + 0.5))
    }

    /// The BM25 weight of one term occurring `tf` times in a document of `length` terms.
    public func termWeight(idf: Double, tf: Int, length: Int, averageLength: Double) -> Double {
        let tf = Double(tf)
        let norm = averageLength > 0 ? Double(length) / averageLength : 1
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm))
    }
}

/// A chunk handed to a keyword index: its id and its text.
public struct IndexableChunk: Sendable, Hashable {
    public var id: Chunk.ID
    public var text: String

    public init(id: Chunk.ID, text: String) {
        self.id = id
        self.text = text
    }
}

/// A BM25 index of chunk text, scoped per knowledge base, updated incrementally.
///
/// `add` and `remove` are idempotent: adding an indexed chunk again or removing an absent one changes nothing,
/// so an interrupted ingest can simply be repeated.
public protocol KeywordIndex: Sendable {
    func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) async throws
    func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws
    func removeAll(from kb: KnowledgeBase.ID) async throws
    /// The `k` best chunks for `query`, best first; ties broken by lower chunk id. With a scope, only its chunks
    /// are ranked (term statistics stay the knowledge base's, so a chunk scores the same with or without one).
    func search(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) async throws -> [ScoredChunk]
}

extension KeywordIndex {
    /// The `k` best chunks of the whole knowledge base.
    public func search(_ query: String, k: Int, in kb: KnowledgeBase.ID) async throws -> [ScoredChunk] {
        try await search(query, k: k, in: kb, within: nil)
    }
}
