/// A chunk's embedding, as stored in a ``VectorIndex``.
public struct ChunkVector: Sendable, Hashable {
    public var id: Chunk.ID
    public var vector: [Float]

    public init(id: Chunk.ID, vector: [Float]) {
        self.id = id
        self.vector = vector
    }
}

/// The vectors one embedding model made for one knowledge base. A knowledge base searches one space (its active
/// model's); while it changes model, a second space is built beside the first and replaces it when complete.
public struct VectorSpace: Sendable, Hashable, Codable, CustomStringConvertible {
    public var knowledgeBaseID: KnowledgeBase.ID
    public var model: String

    public init(_ knowledgeBaseID: KnowledgeBase.ID, model: String) {
        self.knowledgeBaseID = knowledgeBaseID
        self.model = model
    }

    public var description: String { "knowledge base \(knowledgeBaseID) / \(model)" }
}

/// Nearest-neighbour search over chunk embeddings, scoped per ``VectorSpace`` (knowledge base and model).
/// Scores are dot products (cosine similarity for the L2-normalised vectors Zhiku's embedders produce).
///
/// A space's vectors all have one dimension, fixed by the first vector added: adding or querying with another
/// dimension throws, so vectors of different shapes can never be mixed. `upsert` and `remove` are idempotent.
/// Exact search today; an approximate index (HNSW) can implement the same protocol.
public protocol VectorIndex: Sendable {
    func upsert(_ items: [ChunkVector], in space: VectorSpace) async throws
    /// Removes the chunks' vectors from every space of `kb`.
    func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws
    /// Removes every space of `kb`.
    func removeAll(from kb: KnowledgeBase.ID) async throws
    /// Removes one space (a model the knowledge base no longer uses).
    func drop(_ space: VectorSpace) async throws
    /// The spaces `kb` has vectors in.
    func spaces(of kb: KnowledgeBase.ID) async throws -> [VectorSpace]
    /// The chunks that have a vector in `space`.
    func chunkIDs(in space: VectorSpace) async throws -> Set<Chunk.ID>
    /// Up to `limit` vectors of `space` with chunk ids above `afterID`, by id (to copy a space in pages).
    func vectors(in space: VectorSpace, afterID: Chunk.ID, limit: Int) async throws -> [ChunkVector]
    /// The `k` chunks most similar to `query`, best first; ties broken by lower chunk id. With a scope, the `k`
    /// most similar among its chunks (searched exactly, so a narrow scope still gets its `k`).
    func nearest(to query: [Float], k: Int, in space: VectorSpace, within scope: SearchScope?) async throws -> [ScoredChunk]
}

extension VectorIndex {
    /// The `k` chunks of the whole space most similar to `query`.
    public func nearest(to query: [Float], k: Int, in space: VectorSpace) async throws -> [ScoredChunk] {
        try await nearest(to: query, k: k, in: space, within: nil)
    }
}
