import Foundation
import GRDB
import ZhikuCore
import ZhikuRetrieval

/// ``VectorIndex`` in the embedded SQLite database: one float32 BLOB per chunk, a dimension and a generation
/// number per knowledge base. Search is exact: a knowledge base's vectors are loaded once into a contiguous
/// ``VectorSnapshot`` (one matrix–vector product per query); every change bumps the generation, and the first
/// query after a change reloads the snapshot (so a snapshot never answers for data it does not hold). A
/// dimension of 0 means the knowledge base holds no vectors and takes any dimension next.
public struct SQLiteVectorIndex: VectorIndex {
    private let pool: DatabasePool
    private let snapshots = SnapshotCache<VectorSnapshot>()

    public init(database: SQLiteDatabase) {
        pool = database.pool
    }

    public func upsert(_ items: [ChunkVector], in kb: KnowledgeBase.ID) async throws {
        guard let first = items.first else { return }
        try await pool.writing("storing \(items.count) vectors") { db in
            let stored = try Int.fetchOne(db, sql: "SELECT dimensions FROM vector_spaces WHERE kb_id = ?", arguments: [kb]) ?? 0
            let dimensions = stored > 0 ? stored : first.vector.count
            for item in items { try VectorDimensions.check(item.vector.count, expected: dimensions, kb: kb) }
            try db.execute(sql: """
                INSERT INTO vector_spaces (kb_id, dimensions, generation) VALUES (?, ?, 1)
                ON CONFLICT(kb_id) DO UPDATE SET dimensions = excluded.dimensions, generation = generation + 1
                """, arguments: [kb, dimensions])
            let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO vectors (chunk_id, kb_id, embedding) VALUES (?, ?, ?)")
            for item in items {
                try insert.execute(arguments: [item.id, kb, Self.blob(item.vector)])
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
                try db.execute(sql: "UPDATE vector_spaces SET generation = generation + 1 WHERE kb_id = ?", arguments: [kb])
            }
        }
    }

    public func removeAll(from kb: KnowledgeBase.ID) async throws {
        try await pool.writing("clearing the vector index") { db in
            try db.execute(sql: "DELETE FROM vectors WHERE kb_id = ?", arguments: [kb])
            try db.execute(sql: "UPDATE vector_spaces SET dimensions = 0, generation = generation + 1 WHERE kb_id = ?",
                           arguments: [kb])
        }
    }

    public func nearest(to query: [Float], k: Int, in kb: KnowledgeBase.ID) async throws -> [ScoredChunk] {
        guard k > 0 else { return [] }
        let space = try await pool.reading("reading the vector space") { db in try Self.space(db, kb: kb) }
        guard space.dimensions > 0 else { return [] }
        try VectorDimensions.check(query.count, expected: space.dimensions, kb: kb)
        if let snapshot = snapshots.snapshot(for: kb, generation: space.generation) {
            return snapshot.nearest(to: query, k: k)
        }
        return try await load(kb).nearest(to: query, k: k)  // stale or absent: reloaded before answering
    }

    /// Loads the knowledge base's vectors into memory now.
    public func warm(_ kb: KnowledgeBase.ID) async throws {
        _ = try await load(kb)
    }

    /// The knowledge base's dimension (0: no vectors) and generation (-1: never written).
    private static func space(_ db: Database, kb: KnowledgeBase.ID) throws -> (dimensions: Int, generation: Int64) {
        guard let row = try Row.fetchOne(db, sql: "SELECT dimensions, generation FROM vector_spaces WHERE kb_id = ?",
                                         arguments: [kb]) else { return (0, -1) }
        return (row["dimensions"], row["generation"])
    }

    private func load(_ kb: KnowledgeBase.ID) async throws -> VectorSnapshot {
        let (generation, snapshot) = try await pool.reading("loading vectors") { db in
            let (dimensions, generation) = try Self.space(db, kb: kb)
            var ids: [Chunk.ID] = []
            var rows: [Float] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT chunk_id, embedding FROM vectors WHERE kb_id = ? ORDER BY chunk_id",
                                             arguments: [kb])
            while let row = try cursor.next() {
                let data: Data = row["embedding"]
                guard data.count == dimensions * 4 else { continue }
                ids.append(row["chunk_id"])
                rows.append(contentsOf: data.littleEndianFloats(at: 0, count: dimensions))
            }
            return (generation, VectorSnapshot(chunkIDs: ids, dimensions: dimensions, rows: rows))
        }
        snapshots.store(snapshot, for: kb, generation: generation)
        return snapshot
    }

    private static func blob(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
