import ZhikuCore

/// An in-memory ``VectorIndex``: the reference the persistent backends are tested against.
public actor MemoryVectorIndex: VectorIndex {
    private var spaces: [VectorSpace: (dimensions: Int, vectors: [Chunk.ID: [Float]])] = [:]

    public init() {}

    public func upsert(_ items: [ChunkVector], in space: VectorSpace) throws {
        guard let first = items.first else { return }
        var entry = spaces[space] ?? (first.vector.count, [:])
        for item in items {
            try VectorDimensions.check(item.vector.count, expected: entry.dimensions, space: space)
            entry.vectors[item.id] = item.vector
        }
        spaces[space] = entry
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) {
        for space in spaces.keys where space.knowledgeBaseID == kb {
            for id in chunkIDs { spaces[space]?.vectors[id] = nil }
        }
    }

    public func removeAll(from kb: KnowledgeBase.ID) {
        spaces = spaces.filter { $0.key.knowledgeBaseID != kb }
    }

    public func drop(_ space: VectorSpace) {
        spaces[space] = nil
    }

    public func spaces(of kb: KnowledgeBase.ID) -> [VectorSpace] {
        spaces.filter { $0.key.knowledgeBaseID == kb && !$0.value.vectors.isEmpty }.keys.sorted { $0.model < $1.model }
    }

    public func chunkIDs(in space: VectorSpace) -> Set<Chunk.ID> {
        Set(spaces[space].map { Array($0.vectors.keys) } ?? [])
    }

    public func vectors(in space: VectorSpace, afterID: Chunk.ID, limit: Int) -> [ChunkVector] {
        let vectors = spaces[space]?.vectors ?? [:]
        return vectors.keys.filter { $0 > afterID }.sorted().prefix(max(0, limit)).map { ChunkVector(id: $0, vector: vectors[$0]!) }
    }

    public func nearest(to query: [Float], k: Int, in space: VectorSpace, within scope: SearchScope?) throws -> [ScoredChunk] {
        guard let entry = spaces[space], !entry.vectors.isEmpty else { return [] }
        try VectorDimensions.check(query.count, expected: entry.dimensions, space: space)
        var top = TopK(k)
        for (id, vector) in entry.vectors where scope?.contains(id) ?? true {
            top.offer(id, score: zip(vector, query).reduce(0.0) { $0 + Double($1.0 * $1.1) })
        }
        return top.results
    }
}

/// The dimension rule every vector index enforces.
public enum VectorDimensions {
    public static func check(_ actual: Int, expected: Int, space: VectorSpace) throws {
        guard actual == expected else {
            throw ZhikuError.invalidInput(
                "\(space) holds \(expected)-dimensional vectors; got one with \(actual) dimensions")
        }
    }
}
