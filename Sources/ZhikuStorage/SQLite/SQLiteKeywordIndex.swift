import Foundation
import GRDB
import Logging
import ZhikuCore
import ZhikuRetrieval

/// ``KeywordIndex`` as BM25 postings tables in the embedded SQLite database.
///
/// Postings are clustered by (knowledge base, term), each carrying the term frequency and the document length,
/// so a query reads one contiguous range per term and SQLite sums the BM25 weights. Per-knowledge-base
/// document counts and total lengths are kept up to date on every add and remove, with a generation number.
///
/// Searched knowledge bases are also held as compact in-memory ``BM25Snapshot``s tagged with that generation:
/// while the generation matches, a query never touches the postings table; after a change (from this process
/// or another one) the first query is answered by SQL and the snapshot is rebuilt in the background.
public struct SQLiteKeywordIndex: KeywordIndex, KeywordPostingsBackend {
    private let pool: DatabasePool
    let tokenizer: any TextTokenizer
    let parameters: BM25Parameters
    let snapshots: SnapshotCache<KnowledgeBase.ID, BM25Snapshot>?
    let logger: Logger

    /// - Parameter cachesSnapshots: keep a compact in-memory copy of each searched knowledge base's postings,
    ///   rebuilt in the background after changes (searches fall back to SQL while it is stale).
    public init(database: SQLiteDatabase, tokenizer: any TextTokenizer, parameters: BM25Parameters = .init(),
                cachesSnapshots: Bool = true, logger: Logger = Logger(label: "zhiku.keyword-index")) {
        pool = database.pool
        self.logger = logger
        self.tokenizer = tokenizer
        self.parameters = parameters
        snapshots = cachesSnapshots ? SnapshotCache() : nil
    }

    public func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) async throws {
        guard !chunks.isEmpty else { return }
        let documents = try await TermCounts.of(chunks, tokenizer: tokenizer)
        try await pool.writing("indexing \(chunks.count) chunks") { db in
            let insertDocument = try SQLiteBulkStatement(db, sql: """
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
            let insertPosting = try SQLiteBulkStatement(db, sql: """
                INSERT OR REPLACE INTO bm25_postings (kb_id, term, chunk_id, tf, doc_length) VALUES (?, ?, ?, ?, ?)
                """)
            for (n, term) in terms.enumerated() {
                if n == terms.count / 2 { FaultInjection.point("index-midway") }  // inside the transaction
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
        try await pool.writing("removing \(chunkIDs.count) chunks from the keyword index") { db in
            var removed = 0, removedLength = 0
            let find = try db.makeStatement(sql: "SELECT length, terms FROM bm25_documents WHERE chunk_id = ? AND kb_id = ?")
            let deleteDocument = try db.makeStatement(sql: "DELETE FROM bm25_documents WHERE chunk_id = ?")
            let deletePosting = try SQLiteBulkStatement(db, sql: """
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
        try await pool.writing("clearing the keyword index") { db in
            try db.execute(literal: "DELETE FROM bm25_postings WHERE kb_id = \(kb)")
            try db.execute(literal: "DELETE FROM bm25_documents WHERE kb_id = \(kb)")
            try db.execute(literal: """
                UPDATE bm25_stats SET document_count = 0, total_length = 0, generation = generation + 1 WHERE kb_id = \(kb)
                """)
        }
    }

    public func search(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) async throws -> [ScoredChunk] {
        try await searchPostings(query, k: k, in: kb, within: scope)
    }

    func readStats(of kb: KnowledgeBase.ID) async throws -> BM25Stats {
        try await pool.reading("searching the keyword index") { db in try Self.stats(db, kb: kb) }
    }

    func scorePostings(_ counts: [String: Int], k: Int, in kb: KnowledgeBase.ID, stats: BM25Stats, within scope: SearchScope?) async throws -> [ScoredChunk] {
        let parameters = self.parameters
        return try await pool.reading("searching the keyword index") { db in
            try Self.searchPostings(db, counts: counts, k: k, kb: kb, stats: stats, parameters: parameters, scope: scope)
        }
    }

    /// Loads the knowledge base's postings into an in-memory snapshot now (searches use it until the next
    /// change). Does nothing when caching is off.
    public func warm(_ kb: KnowledgeBase.ID) async throws {
        guard let snapshots else { return }
        let (generation, snapshot) = try await pool.read { db in
            let stats = try Self.stats(db, kb: kb)
            var builder = BM25Snapshot.Builder()
            let documents = try RowReader(db, sql: "SELECT chunk_id, length FROM bm25_documents WHERE kb_id = ?",
                                          arguments: [kb])
            while try documents.next(db) { builder.addDocument(documents.int64(0), length: Int(documents.int64(1))) }
            let postings = try RowReader(db, sql: """
                SELECT term, chunk_id, tf FROM bm25_postings WHERE kb_id = ? ORDER BY term, chunk_id
                """, arguments: [kb])
            var previous: [UInt8] = []
            while try postings.next(db) {
                let term = postings.text(0)
                if !term.elementsEqual(previous) {
                    previous = Array(term)
                    builder.beginTerm(String(decoding: previous, as: UTF8.self))
                }
                builder.addPosting(postings.int64(1), tf: Int(postings.int64(2)))
            }
            return (stats.generation, builder.build())
        }
        snapshots.store(snapshot, for: kb, generation: generation)
    }

    /// The generation of `kb`'s in-memory snapshot, if one was built (for tests).
    func snapshotGeneration(of kb: KnowledgeBase.ID) -> Int64? { snapshots?.generation(of: kb) }

    private static func stats(_ db: Database, kb: KnowledgeBase.ID) throws -> BM25Stats {
        guard let row = try Row.fetchOne(
            db, SQLRequest(literal: "SELECT document_count, total_length, generation FROM bm25_stats WHERE kb_id = \(kb)"))
        else { return .empty }
        return BM25Stats(documents: row["document_count"], totalLength: row["total_length"], generation: row["generation"])
    }

    /// BM25 computed by SQLite over the postings of the query terms.
    private static func searchPostings(_ db: Database, counts: [String: Int], k: Int, kb: KnowledgeBase.ID,
                                       stats: BM25Stats, parameters: BM25Parameters, scope: SearchScope?) throws -> [ScoredChunk] {
        let n = stats.documents
        let average = Double(stats.totalLength) / Double(n)
        let terms = counts.keys.sorted()
        var frequency: [String: Int] = [:]
        for row in try Row.fetchAll(db, SQLRequest(literal: """
            SELECT term, COUNT(*) AS df FROM bm25_postings WHERE kb_id = \(kb) AND term IN \(terms)
            GROUP BY term
            """)) {
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
        // The constants are numbers computed here, written as literals; only terms are bound (file ids are numbers).
        let k1 = parameters.k1, b = parameters.b
        let scoped = scope.map { "JOIN chunks c ON c.id = p.chunk_id AND c.file_id IN (\($0.fileIDs.sorted().map(String.init).joined(separator: ",")))" } ?? ""
        let sql = """
            WITH q(term, weight) AS (VALUES \(values.joined(separator: ",")))
            SELECT p.chunk_id AS id,
                   SUM(q.weight * p.tf * \(k1 + 1) / (p.tf + \(k1) * (\(1 - b) + \(b / average) * p.doc_length)))
                   AS score
            FROM q JOIN bm25_postings p ON p.kb_id = \(kb) AND p.term = q.term \(scoped)
            GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id ASC LIMIT \(k)
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map {
            ScoredChunk(chunkID: $0["id"], score: $0["score"])
        }
    }

    private static func adjustStats(_ db: Database, kb: KnowledgeBase.ID, documents: Int, length: Int) throws {
        guard documents != 0 else { return }
        try db.execute(literal: """
            INSERT INTO bm25_stats (kb_id, document_count, total_length, generation) VALUES (\(kb), \(documents), \(length), 1)
            ON CONFLICT(kb_id) DO UPDATE SET document_count = document_count + excluded.document_count,
                                             total_length = total_length + excluded.total_length,
                                             generation = generation + 1
            """)
    }
}
