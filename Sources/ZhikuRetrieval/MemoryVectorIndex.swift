import ZhikuCore

/// An in-memory ``VectorIndex``: the reference the persistent backends are tested against.
public actor MemoryVectorIndex: VectorIndex {
    private var spaces: [KnowledgeBase.ID: (dimensions: Int, vectors: [Chunk.ID: [Float]])] = [:]

    public init() {}

    public func upsert(_ items: [ChunkVector], in kb: KnowledgeBase.ID) throws {
        guard let first = items.first else { return }
        var space = spaces[kb] ?? (first.vector.count, [:])
        for item in items {
            try VectorDimensions.check(item.vector.count, expected: space.dimensions, kb: kb)
            space.vectors[item.id] = item.vector
        }
        spaces[kb] = space
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) {
        for id in chunkIDs { spaces[kb]?.vectors[id] = nil }
    }

    public func removeAll(from kb: KnowledgeBase.ID) {
        spaces[kb] = nil
    }

    public func nearest(to query: [Float], k: Int, in kb: KnowledgeBase.ID) throws -> [ScoredChunk] {
        guard let space = spaces[kb], !space.vectors.isEmpty else { return [] }
        try VectorDimensions.check(query.count, expected: space.dimensions, kb: kb)
        var top = TopK(k)
        for (id, vector) in space.vectors {
            top.offer(id, score: zip(vector, query).reduce(0.0) { $0 + Double($1.0 * $1.1) })
        }
        return top.results
    }
}

/// The dimension rule every vector index enforces.
public enum VectorDimensions {
    public static func check(_ actual: Int, expected: Int, kb: KnowledgeBase.ID) throws {
        guard actual == expected else {
            throw ZhikuError.invalidInput(
                "knowledge base \(kb) holds \(expected)-dimensional vectors; got one with \(actual) dimensions")
        }
    }
}
