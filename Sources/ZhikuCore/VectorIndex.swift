/// A chunk's embedding, as stored in a ``VectorIndex``.
public struct ChunkVector: Sendable, Hashable {
    public var id: Chunk.ID
    public var vector: [Float]

    public init(id: Chunk.ID, vector: [Float]) {
        self.id = id
        self.vector = vector
    }
}

/// Nearest-neighbour search over chunk embeddings, scoped per knowledge base. Scores are dot products
/// (cosine similarity for the L2-normalised vectors Zhiku's embedders produce).
///
/// A knowledge base's vectors all have one dimension, fixed by the first vector added: adding or querying with
/// another dimension throws, so vectors of different models can never be mixed. `upsert` and `remove` are
/// idempotent.
public protocol VectorIndex: Sendable {
    func upsert(_ items: [ChunkVector], in kb: KnowledgeBase.ID) async throws
    func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws
    /// Removes every vector of `kb` and forgets its dimension.
    func removeAll(from kb: KnowledgeBase.ID) async throws
    /// The `k` chunks most similar to `query`, best first; ties broken by lower chunk id.
    func nearest(to query: [Float], k: Int, in kb: KnowledgeBase.ID) async throws -> [ScoredChunk]
}
