import Foundation
import GRDB
import ZhikuCore
import ZhikuRetrieval

/// ``VectorIndex`` in the embedded SQLite database: one float32 BLOB per (space, chunk), a dimension and a
/// generation number per space. Search is exact: a space's vectors are loaded once into a contiguous
/// ``VectorSnapshot`` (one matrix–vector product per query); every change bumps the generation, and the first
/// query after a change reloads the snapshot (so a snapshot never answers for data it does not hold). A dimension
/// of 0 marks an emptied space, which takes any dimension next.
public struct SQLiteVectorIndex: VectorIndex {
    private let pool: DatabasePool
    private let snapshots = SnapshotCache<VectorSpace, VectorSnapshot>()

    public init(database: SQLiteDatabase) {
        pool = database.pool
    }

    public func upsert(_ items: [ChunkVector], in space: VectorSpace) async throws {
        guard let first = items.first else { return }
        try await pool.writing("storing \(items.count) vectors in \(space)") { db in
            let stored = try Self.space(db, space)?.dimensions ?? 0
            let dimensions = stored > 0 ? stored : first.vector.count
            for item in items { try VectorDimensions.check(item.vector.count, expected: dimensions, space: space) }
            try db.execute(literal: """
                INSERT INTO vector_spaces (kb_id, model, dimensions, generation) VALUES (\(space.knowledgeBaseID), \(space.model), \(dimensions), 1)
                ON CONFLICT(kb_id, model) DO UPDATE SET dimensions = excluded.dimensions, generation = generation + 1
                """)
            let insert = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO vectors (kb_id, model, chunk_id, embedding) VALUES (?, ?, ?, ?)
                """)
            for item in items {
                try insert.execute(arguments: [space.knowledgeBaseID, space.model, item.id, Data(littleEndianFloats: item.vector)])
            }
        }
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws {
        guard !chunkIDs.isEmpty else { return }
        try await pool.writing("removing \(chunkIDs.count) vectors") { db in
            let delete = try db.makeStatement(sql: "DELETE FROM vectors WHERE chunk_id = ? AND kb_id = ?")
            var removed = 0
            for id in chunkIDs {
                try delete.execute(arguments: [id, kb])
                removed += db.changesCount
            }
            if removed > 0 {
                try db.execute(literal: "UPDATE vector_spaces SET generation = generation + 1 WHERE kb_id = \(kb)")
            }
        }
    }

    public func removeAll(from kb: KnowledgeBase.ID) async throws {
        try await pool.writing("clearing the vector index of knowledge base \(kb)") { db in
            try db.execute(literal: "DELETE FROM vectors WHERE kb_id = \(kb)")
            // The space rows stay (dimension 0 = empty) so their generation keeps counting up and no cached
            // snapshot of the old vectors can match a later generation.
            try db.execute(literal: "UPDATE vector_spaces SET dimensions = 0, generation = generation + 1 WHERE kb_id = \(kb)")
        }
    }

    public func drop(_ space: VectorSpace) async throws {
        try await pool.writing("dropping \(space)") { db in
            try db.execute(literal: "DELETE FROM vectors WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model)")
            try db.execute(literal: """
                UPDATE vector_spaces SET dimensions = 0, generation = generation + 1 WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model)
                """)
        }
    }

    public func spaces(of kb: KnowledgeBase.ID) async throws -> [VectorSpace] {
        try await pool.reading("listing vector spaces") { db in
            try String.fetchAll(db, SQLRequest(literal: """
                SELECT model FROM vector_spaces s
                WHERE kb_id = \(kb) AND EXISTS (SELECT 1 FROM vectors v WHERE v.kb_id = s.kb_id AND v.model = s.model)
                ORDER BY model
                """)).map { VectorSpace(kb, model: $0) }
        }
    }

    public func chunkIDs(in space: VectorSpace) async throws -> Set<Chunk.ID> {
        try await pool.reading("listing vectors of \(space)") { db in
            Set(try Int64.fetchAll(db, SQLRequest(literal: "SELECT chunk_id FROM vectors WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model)")))
        }
    }

    public func vectors(in space: VectorSpace, afterID: Chunk.ID, limit: Int) async throws -> [ChunkVector] {
        try await pool.reading("reading vectors of \(space)") { db in
            try Row.fetchAll(db, SQLRequest(literal: """
                SELECT chunk_id, embedding FROM vectors WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model) AND chunk_id > \(afterID) ORDER BY chunk_id LIMIT \(max(0, limit))
                """)).map { row in
                let data: Data = row["embedding"]
                return ChunkVector(id: row["chunk_id"], vector: data.littleEndianFloats(at: 0, count: data.count / 4))
            }
        }
    }

    public func nearest(to query: [Float], k: Int, in space: VectorSpace, within scope: SearchScope?) async throws -> [ScoredChunk] {
        guard k > 0 else { return [] }
        let stored = try await pool.reading("reading \(space)") { db in try Self.space(db, space) }
        guard let stored, stored.dimensions > 0 else { return [] }
        try VectorDimensions.check(query.count, expected: stored.dimensions, space: space)
        if let snapshot = snapshots.snapshot(for: space, generation: stored.generation) {
            return snapshot.nearest(to: query, k: k, within: scope)
        }
        return try await load(space).nearest(to: query, k: k, within: scope)  // stale or absent: reloaded before answering
    }

    /// Loads the space's vectors into memory now.
    public func warm(_ space: VectorSpace) async throws {
        _ = try await load(space)
    }

    /// The space's dimension and generation, nil when it was never written.
    private static func space(_ db: Database, _ space: VectorSpace) throws -> (dimensions: Int, generation: Int64)? {
        guard let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT dimensions, generation FROM vector_spaces WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model)")) else { return nil }
        return (row["dimensions"], row["generation"])
    }

    private func load(_ space: VectorSpace) async throws -> VectorSnapshot {
        let (generation, snapshot) = try await pool.reading("loading the vectors of \(space)") { db in
            let (dimensions, generation) = try Self.space(db, space) ?? (0, -1)
            var ids: [Chunk.ID] = []
            var rows: [Float] = []
            let cursor = try Row.fetchCursor(db, SQLRequest(literal: """
                SELECT chunk_id, embedding FROM vectors WHERE kb_id = \(space.knowledgeBaseID) AND model = \(space.model) ORDER BY chunk_id
                """))
            while let row = try cursor.next() {
                let data: Data = row["embedding"]
                guard data.count == dimensions * 4 else { continue }
                ids.append(row["chunk_id"])
                rows.append(contentsOf: data.littleEndianFloats(at: 0, count: dimensions))
            }
            return (generation, VectorSnapshot(chunkIDs: ids, dimensions: dimensions, rows: rows))
        }
        snapshots.store(snapshot, for: space, generation: generation)
        return snapshot
    }
}
