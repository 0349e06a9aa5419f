import Foundation
import Logging
import PostgresNIO
import ZhikuCore
import ZhikuRetrieval

/// ``VectorIndex`` in PostgreSQL with pgvector. Vectors of every space share one `vectors` table (an untyped
/// `vector` column); each space gets its own partial HNSW index on `embedding::vector(n)` with inner-product ops,
/// made when its first vector arrives, so spaces of different dimensions live side by side and a query reads only
/// its space's graph. Scores are inner products (cosine for Zhiku's unit vectors), ties broken by lower chunk id.
/// The graph's build parameters and each query's `hnsw.ef_search` come from ``HNSWSettings``.
public struct PostgresVectorIndex: VectorIndex {
    public let database: PostgreSQLDatabase
    /// How the HNSW graphs are built (for indexes made from now on) and searched.
    public let hnsw: HNSWSettings
    private var client: PostgresClient { database.client }
    private var logger: Logger { database.logger }

    public init(database: PostgreSQLDatabase, hnsw: HNSWSettings = HNSWSettings()) {
        self.database = database
        self.hnsw = hnsw
    }

    public func upsert(_ items: [ChunkVector], in space: VectorSpace) async throws {
        guard let first = items.first else { return }
        try await database.transaction("storing \(items.count) vectors in \(space)") { connection in
            let kb = space.knowledgeBaseID, model = space.model
            try await connection.execute("""
                INSERT INTO vector_spaces (kb_id, model, dimensions) VALUES (\(kb), \(model), \(first.vector.count))
                ON CONFLICT (kb_id, model) DO NOTHING
                """, logger: logger)
            var dimensions = first.vector.count
            for try await stored in try await connection.query("""
                SELECT dimensions FROM vector_spaces WHERE kb_id = \(kb) AND model = \(model) FOR UPDATE
                """, logger: logger).decode(Int.self) {
                dimensions = stored
            }
            for item in items { try VectorDimensions.check(item.vector.count, expected: dimensions, space: space) }
            try await connection.execute(PostgresQuery(unsafeSQL: Self.indexDefinition(space, dimensions: dimensions, hnsw: hnsw)), logger: logger)
            for start in stride(from: 0, to: items.count, by: 1000) {
                let batch = items[start..<min(items.count, start + 1000)]
                let ids = batch.map(\.id), vectors = batch.map { Self.text($0.vector) }
                try await connection.execute("""
                    INSERT INTO vectors (kb_id, model, chunk_id, embedding)
                    SELECT \(kb), \(model), id, v::vector FROM unnest(\(ids)::bigint[], \(vectors)::text[]) AS t(id, v)
                    ON CONFLICT (kb_id, model, chunk_id) DO UPDATE SET embedding = excluded.embedding
                    """, logger: logger)
            }
        }
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws {
        guard !chunkIDs.isEmpty else { return }
        try await database.run("removing \(chunkIDs.count) vectors") {
            try await database.execute("DELETE FROM vectors WHERE kb_id = \(kb) AND chunk_id = ANY(\(chunkIDs)::bigint[])")
        }
    }

    public func removeAll(from kb: KnowledgeBase.ID) async throws {
        try await database.transaction("clearing the vector index of knowledge base \(kb)") { connection in
            var models: [String] = []
            for try await model in try await connection.query("""
                DELETE FROM vector_spaces WHERE kb_id = \(kb) RETURNING model
                """, logger: logger).decode(String.self) {
                models.append(model)
            }
            try await connection.execute("DELETE FROM vectors WHERE kb_id = \(kb)", logger: logger)
            for model in models {
                try await connection.execute(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(Self.indexName(VectorSpace(kb, model: model)))"),
                                             logger: logger)
            }
        }
    }

    public func drop(_ space: VectorSpace) async throws {
        try await database.transaction("dropping \(space)") { connection in
            let kb = space.knowledgeBaseID, model = space.model
            try await connection.execute("DELETE FROM vectors WHERE kb_id = \(kb) AND model = \(model)", logger: logger)
            try await connection.execute("DELETE FROM vector_spaces WHERE kb_id = \(kb) AND model = \(model)", logger: logger)
            try await connection.execute(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(Self.indexName(space))"), logger: logger)
        }
    }

    public func spaces(of kb: KnowledgeBase.ID) async throws -> [VectorSpace] {
        try await database.run("listing vector spaces") {
            var spaces: [VectorSpace] = []
            for try await model in try await client.query("""
                SELECT model FROM vector_spaces s
                WHERE kb_id = \(kb) AND EXISTS (SELECT 1 FROM vectors v WHERE v.kb_id = s.kb_id AND v.model = s.model)
                ORDER BY model
                """, logger: logger).decode(String.self) {
                spaces.append(VectorSpace(kb, model: model))
            }
            return spaces
        }
    }

    public func chunkIDs(in space: VectorSpace) async throws -> Set<Chunk.ID> {
        try await database.run("listing vectors of \(space)") {
            var ids: Set<Chunk.ID> = []
            for try await id in try await client.query("""
                SELECT chunk_id FROM vectors WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model)
                """, logger: logger).decode(Int64.self) {
                ids.insert(id)
            }
            return ids
        }
    }

    public func vectors(in space: VectorSpace, afterID: Chunk.ID, limit: Int) async throws -> [ChunkVector] {
        try await database.run("reading vectors of \(space)") {
            var vectors: [ChunkVector] = []
            for try await (id, text) in try await client.query("""
                SELECT chunk_id, embedding::text FROM vectors
                WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model) AND chunk_id > \(afterID) ORDER BY chunk_id LIMIT \(max(0, limit))
                """, logger: logger).decode((Int64, String).self) {
                vectors.append(ChunkVector(id: id, vector: text.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) }))
            }
            return vectors
        }
    }

    public func nearest(to query: [Float], k: Int, in space: VectorSpace, within scope: SearchScope?) async throws -> [ScoredChunk] {
        guard k > 0 else { return [] }
        return try await database.transaction("searching \(space)") { connection in
            let kb = space.knowledgeBaseID, model = space.model
            var dimensions = 0
            for try await stored in try await connection.query("""
                SELECT dimensions FROM vector_spaces WHERE kb_id = \(kb) AND model = \(model)
                """, logger: logger).decode(Int.self) {
                dimensions = stored
            }
            guard dimensions > 0 else { return [] }
            try VectorDimensions.check(query.count, expected: dimensions, space: space)
            let typed = "vector(\(dimensions))"
            let vector = Self.text(query)
            var hits: [ScoredChunk] = []
            if let scope {
                // Exact over the scope's chunks: ordering by the score (not by the indexed distance) keeps the HNSW
                // index out, which would return its k nearest of the whole space and leave few or none in scope.
                let files = scope.fileIDs.sorted()
                for try await (id, score) in try await connection.query("""
                    SELECT v.chunk_id, -((v.embedding::\(unescaped: typed)) <#> \(vector)::\(unescaped: typed)) AS score
                    FROM vectors v JOIN chunks c ON c.id = v.chunk_id
                    WHERE v.kb_id = \(kb) AND v.model = \(model) AND vector_dims(v.embedding) = \(unescaped: String(dimensions))
                      AND c.file_id = ANY(\(files)::bigint[])
                    ORDER BY score DESC, v.chunk_id LIMIT \(k)
                    """, logger: logger).decode((Int64, Double).self) {
                    hits.append(ScoredChunk(chunkID: id, score: score))
                }
                return hits
            }
            try await connection.execute(PostgresQuery(unsafeSQL: "SET LOCAL hnsw.ef_search = \(hnsw.efSearch(k: k))"), logger: logger)
            // The inner query is what the space's HNSW index answers (ORDER BY distance LIMIT k); the outer one
            // breaks ties by chunk id.
            for try await (id, score) in try await connection.query("""
                SELECT chunk_id, score FROM (
                    SELECT chunk_id, -((embedding::\(unescaped: typed)) <#> \(vector)::\(unescaped: typed)) AS score
                    FROM vectors WHERE kb_id = \(kb) AND model = \(model) AND vector_dims(embedding) = \(unescaped: String(dimensions))
                    ORDER BY (embedding::\(unescaped: typed)) <#> \(vector)::\(unescaped: typed)
                    LIMIT \(k)
                ) best ORDER BY score DESC, chunk_id
                """, logger: logger).decode((Int64, Double).self) {
                hits.append(ScoredChunk(chunkID: id, score: score))
            }
            return hits
        }
    }

    // MARK: - Helpers

    /// pgvector's text form, `[0.1,0.2,…]` (Swift prints the shortest decimal that reads back as the same float).
    static func text(_ vector: [Float]) -> String {
        "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
    }

    /// The name of a space's HNSW index: its knowledge base and a digest of the model's name.
    static func indexName(_ space: VectorSpace) -> String {
        "vectors_hnsw_\(space.knowledgeBaseID)_\(SHA256Hasher.hash(Array(space.model.utf8)).prefix(16))"
    }

    /// The partial HNSW index of one space (inner product, the dimension fixed by a cast). The predicate names the
    /// dimension too: building the index also reads rows deleted but still visible to some transaction, and a
    /// dropped space's rows of another dimension would fail the cast.
    static func indexDefinition(_ space: VectorSpace, dimensions: Int, hnsw: HNSWSettings) -> String {
        let model = space.model.replacingOccurrences(of: "'", with: "''")
        return """
            CREATE INDEX IF NOT EXISTS \(indexName(space)) ON vectors USING hnsw ((embedding::vector(\(dimensions))) vector_ip_ops)
            WITH (m = \(hnsw.m), ef_construction = \(hnsw.efConstruction))
            WHERE kb_id = \(space.knowledgeBaseID) AND model = '\(model)' AND vector_dims(embedding) = \(dimensions)
            """
    }
}
