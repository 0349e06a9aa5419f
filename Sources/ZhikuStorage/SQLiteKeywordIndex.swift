import Foundation
import GRDB
import ZhikuCore

/// ``KeywordIndex`` as BM25 postings tables in the embedded SQLite database.
///
/// Postings are clustered by (knowledge base, term), each carrying the term frequency and the document length,
/// so a query reads one contiguous range per term and SQLite sums the BM25 weights. Per-knowledge-base
/// document counts and total lengths are kept up to date on every add and remove.
public struct SQLiteKeywordIndex: KeywordIndex {
    private let pool: DatabasePool
    private let tokenizer: any TextTokenizer
    private let parameters: BM25Parameters

    public init(database: SQLiteDatabase, tokenizer: any TextTokenizer, parameters: BM25Parameters = .init()) {
        pool = database.pool
        self.tokenizer = tokenizer
        self.parameters = parameters
    }

    public func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) async throws {
        guard !chunks.isEmpty else { return }
        let documents = TermCounts.of(chunks, tokenizer: tokenizer)
        try await write("indexing \(chunks.count) chunks") { db in
            let insertDocument = try BulkStatement(db, sql: """
                INSERT OR IGNORE INTO bm25_documents (chunk_id, kb_id, length, terms) VALUES (?, ?, ?, ?)
                """)
            var postings: [String: [(chunk: Int64, tf: Int, length: Int)]] = [:]
            var added = 0, addedLength = 0
            for doc in documents {
                insertDocument.bind(1, doc.id)
                insertDocument.bind(2, kb)
                insertDocument.bind(3, Int64(doc.length))
                insertDocument.bind(4, doc.counts.keys.joined(separator: Self.termSeparator))
                guard try insertDocument.step(db) > 0 else { continue }  // already indexed
                added += 1
                addedLength += doc.length
                for (term, tf) in doc.counts { postings[term, default: []].append((doc.id, tf, doc.length)) }
            }
            // Inserting in key order (SQLite compares text as bytes) keeps the B-tree writes local.
            let terms = postings.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let insertPosting = try BulkStatement(db, sql: """
                INSERT OR REPLACE INTO bm25_postings (kb_id, term, chunk_id, tf, doc_length) VALUES (?, ?, ?, ?, ?)
                """)
            for term in terms {
                for p in postings[term]! {
                    insertPosting.bind(1, kb)
                    insertPosting.bind(2, term)
                    insertPosting.bind(3, p.chunk)
                    insertPosting.bind(4, Int64(p.tf))
                    insertPosting.bind(5, Int64(p.length))
                    try insertPosting.step(db)
                }
            }
            try Self.adjustStats(db, kb: kb, documents: added, length: addedLength)
        }
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws {
        guard !chunkIDs.isEmpty else { return }
        try await write("removing \(chunkIDs.count) chunks from the keyword index") { db in
            var removed = 0, removedLength = 0
            let find = try db.makeStatement(sql: "SELECT length, terms FROM bm25_documents WHERE chunk_id = ? AND kb_id = ?")
            let deleteDocument = try db.makeStatement(sql: "DELETE FROM bm25_documents WHERE chunk_id = ?")
            let deletePosting = try BulkStatement(db, sql: """
                DELETE FROM bm25_postings WHERE kb_id = ? AND term = ? AND chunk_id = ?
                """)
            for id in chunkIDs {
                guard let row = try Row.fetchOne(find, arguments: [id, kb]) else { continue }
                let terms: String = row["terms"]
                for term in terms.split(separator: Self.termSeparator, omittingEmptySubsequences: true) {
                    deletePosting.bind(1, kb)
                    deletePosting.bind(2, String(term))
                    deletePosting.bind(3, id)
                    try deletePosting.step(db)
                }
                try deleteDocument.execute(arguments: [id])
                removed += 1
                removedLength += row["length"] as Int
            }
            try Self.adjustStats(db, kb: kb, documents: -removed, length: -removedLength)
        }
    }

    /// Joins a document's distinct terms in `bm25_documents.terms` (terms never contain control characters).
    private static let termSeparator = "\u{1F}"

    public func removeAll(from kb: KnowledgeBase.ID) async throws {
        try await write("clearing the keyword index") { db in
            try db.execute(sql: "DELETE FROM bm25_postings WHERE kb_id = ?", arguments: [kb])
            try db.execute(sql: "DELETE FROM bm25_documents WHERE kb_id = ?", arguments: [kb])
            try db.execute(sql: "DELETE FROM bm25_stats WHERE kb_id = ?", arguments: [kb])
        }
    }

    public func search(_ query: String, k: Int, in kb: KnowledgeBase.ID) async throws -> [ScoredChunk] {
        guard k > 0 else { return [] }
        var queryCounts: [String: Int] = [:]
        for t in tokenizer.terms(query) { queryCounts[t, default: 0] += 1 }
        guard !queryCounts.isEmpty else { return [] }
        let counts = queryCounts
        let terms = counts.keys.sorted()
        let parameters = self.parameters
        do {
            return try await pool.read { db in
                guard let stats = try Row.fetchOne(
                    db, sql: "SELECT document_count, total_length FROM bm25_stats WHERE kb_id = ?", arguments: [kb]),
                      let n: Int = stats["document_count"], n > 0 else { return [] }
                let totalLength: Int = stats["total_length"]
                let average = Double(totalLength) / Double(n)

                let placeholders = Array(repeating: "?", count: terms.count).joined(separator: ",")
                var frequency: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT term, COUNT(*) AS df FROM bm25_postings WHERE kb_id = ? AND term IN (\(placeholders))
                    GROUP BY term
                    """, arguments: StatementArguments([kb] as [any DatabaseValueConvertible] + terms)) {
                    frequency[row["term"]] = row["df"]
                }
                let present = terms.filter { frequency[$0] != nil }
                guard !present.isEmpty else { return [] }

                // One row per query term: (term, idf × query count).
                var values: [String] = []
                var arguments: [any DatabaseValueConvertible] = []
                for term in present {
                    values.append("(?, ?)")
                    let idf = BM25Parameters.idf(documentCount: n, documentFrequency: frequency[term]!)
                    arguments.append(term)
                    arguments.append(idf * Double(counts[term]!))
                }
                // The constants are numbers computed here, written as literals; only terms are bound.
                let k1 = parameters.k1, b = parameters.b
                let sql = """
                    WITH q(term, weight) AS (VALUES \(values.joined(separator: ",")))
                    SELECT p.chunk_id AS id,
                           SUM(q.weight * p.tf * \(k1 + 1) / (p.tf + \(k1) * (\(1 - b) + \(b / average) * p.doc_length)))
                           AS score
                    FROM q JOIN bm25_postings p ON p.kb_id = \(kb) AND p.term = q.term
                    GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id ASC LIMIT \(k)
                    """
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
                    ScoredChunk(chunkID: $0["id"], score: $0["score"])
                }
            }
        } catch {
            throw ZhikuError(.storageFailed, "keyword search failed: \(error)")
        }
    }

    private static func adjustStats(_ db: Database, kb: KnowledgeBase.ID, documents: Int, length: Int) throws {
        guard documents != 0 else { return }
        try db.execute(sql: """
            INSERT INTO bm25_stats (kb_id, document_count, total_length) VALUES (?, ?, ?)
            ON CONFLICT(kb_id) DO UPDATE SET document_count = document_count + excluded.document_count,
                                             total_length = total_length + excluded.total_length
            """, arguments: [kb, documents, length])
    }

    private func write(_ what: String, _ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do {
            try await pool.write(body)
        } catch {
            throw ZhikuError(.storageFailed, "\(what) failed: \(error)")
        }
    }
}
