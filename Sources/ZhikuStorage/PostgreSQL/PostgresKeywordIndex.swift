import Foundation
import Logging
import PostgresNIO
import ZhikuCore
import ZhikuRetrieval

/// ``KeywordIndex`` as BM25 postings tables in PostgreSQL, with the same tokenizer and the same scores as
/// ``SQLiteKeywordIndex``: postings clustered by (knowledge base, term) carrying the term frequency and the document
/// length, per-knowledge-base document counts and total lengths kept in step with every add and remove, and BM25
/// summed by the server over the query terms' postings (idf computed here from their document frequencies).
/// Chosen over a `tsvector` column because PostgreSQL's text search ranks with `ts_rank`, not BM25, and tokenizes
/// Chinese as one word per run; postings tables keep Zhiku's tokens and Lucene's BM25 exactly.
///
/// As ``SQLiteKeywordIndex`` does, each process keeps searched knowledge bases as in-memory ``BM25Snapshot``s tagged
/// with the stats row's generation (a fresh value on every change, from any process): while it matches, a query
/// costs one small read of the stats row; after a change the query is answered by the server and the snapshot is
/// rebuilt in the background, at most a third of the time under steady writes.
public struct PostgresKeywordIndex: KeywordIndex, KeywordPostingsBackend {
    public let database: PostgreSQLDatabase
    let tokenizer: any TextTokenizer
    let parameters: BM25Parameters
    let snapshots: SnapshotCache<KnowledgeBase.ID, BM25Snapshot>?
    var logger: Logger { database.logger }

    /// - Parameter cachesSnapshots: keep a compact in-memory copy of each searched knowledge base's postings,
    ///   rebuilt in the background after changes (searches are scored by the server while it is stale).
    public init(database: PostgreSQLDatabase, tokenizer: any TextTokenizer, parameters: BM25Parameters = .init(),
                cachesSnapshots: Bool = true) {
        self.database = database
        self.tokenizer = tokenizer
        self.parameters = parameters
        snapshots = cachesSnapshots ? SnapshotCache(restAfterBuild: 2) : nil
    }

    public func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) async throws {
        guard !chunks.isEmpty else { return }
        let documents = try await TermCounts.of(chunks, tokenizer: tokenizer)
        let logger = self.logger
        try await database.transaction("indexing \(chunks.count) chunks") { connection in
            // Documents first: those already indexed are skipped (an interrupted ingest may be repeated).
            let ids = documents.map(\.id), lengths = documents.map { $0.length }
            var added: Set<Chunk.ID> = []
            for try await id in try await connection.query("""
                INSERT INTO bm25_documents (kb_id, chunk_id, length)
                SELECT \(kb), id, length FROM unnest(\(ids)::bigint[], \(lengths)::integer[]) AS d(id, length)
                ON CONFLICT (kb_id, chunk_id) DO NOTHING RETURNING chunk_id
                """, logger: logger).decode(Int64.self) {
                added.insert(id)
            }
            guard !added.isEmpty else { return }
            var terms: [String] = [], chunkIDs: [Int64] = [], tfs: [Int] = [], docLengths: [Int] = []
            var addedLength = 0
            for doc in documents where added.contains(doc.id) {
                addedLength += doc.length
                for (term, tf) in doc.counts {
                    terms.append(term)
                    chunkIDs.append(doc.id)
                    tfs.append(tf)
                    docLengths.append(doc.length)
                }
            }
            for start in stride(from: 0, to: terms.count, by: 20_000) {
                let end = min(terms.count, start + 20_000)
                try await connection.execute("""
                    INSERT INTO bm25_postings (kb_id, term, chunk_id, tf, doc_length)
                    SELECT \(kb), term, id, tf, length
                    FROM unnest(\(Array(terms[start..<end]))::text[], \(Array(chunkIDs[start..<end]))::bigint[],
                                \(Array(tfs[start..<end]))::integer[], \(Array(docLengths[start..<end]))::integer[])
                         AS p(term, id, tf, length)
                    ON CONFLICT (kb_id, term, chunk_id) DO UPDATE SET tf = excluded.tf, doc_length = excluded.doc_length
                    """, logger: logger)
            }
            try await Self.adjustStats(connection, kb: kb, documents: added.count, length: addedLength, logger: logger)
        }
    }

    public func remove(_ chunkIDs: [Chunk.ID], from kb: KnowledgeBase.ID) async throws {
        guard !chunkIDs.isEmpty else { return }
        let logger = self.logger
        try await database.transaction("removing \(chunkIDs.count) chunks from the keyword index") { connection in
            var removed = 0, removedLength = 0
            for try await length in try await connection.query("""
                DELETE FROM bm25_documents WHERE kb_id = \(kb) AND chunk_id = ANY(\(chunkIDs)::bigint[]) RETURNING length
                """, logger: logger).decode(Int.self) {
                removed += 1
                removedLength += length
            }
            guard removed > 0 else { return }
            try await connection.execute("""
                DELETE FROM bm25_postings WHERE kb_id = \(kb) AND chunk_id = ANY(\(chunkIDs)::bigint[])
                """, logger: logger)
            try await Self.adjustStats(connection, kb: kb, documents: -removed, length: -removedLength, logger: logger)
        }
    }

    public func removeAll(from kb: KnowledgeBase.ID) async throws {
        let logger = self.logger
        try await database.transaction("clearing the keyword index") { connection in
            try await connection.execute("DELETE FROM bm25_postings WHERE kb_id = \(kb)", logger: logger)
            try await connection.execute("DELETE FROM bm25_documents WHERE kb_id = \(kb)", logger: logger)
            try await connection.execute("DELETE FROM bm25_stats WHERE kb_id = \(kb)", logger: logger)
        }
    }

    public func search(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) async throws -> [ScoredChunk] {
        try await searchPostings(query, k: k, in: kb, within: scope)
    }

    func readStats(of kb: KnowledgeBase.ID) async throws -> BM25Stats {
        let logger = self.logger
        return try await database.run("searching the keyword index") {
            try await database.client.withConnection { try await Self.stats($0, kb: kb, logger: logger) }
        }
    }

    func scorePostings(_ counts: [String: Int], k: Int, in kb: KnowledgeBase.ID, stats: BM25Stats, within scope: SearchScope?) async throws -> [ScoredChunk] {
        let parameters = self.parameters, logger = self.logger
        return try await database.run("searching the keyword index") {
            try await database.client.withConnection { connection in
                try await Self.searchPostings(connection, counts: counts, k: k, kb: kb, stats: stats, parameters: parameters,
                                              scope: scope, logger: logger)
            }
        }
    }

    /// Loads the knowledge base's postings into an in-memory snapshot now, read in one consistent transaction
    /// (searches use it until the next change). Does nothing when caching is off.
    public func warm(_ kb: KnowledgeBase.ID) async throws {
        guard let snapshots else { return }
        let logger = self.logger
        let (generation, snapshot) = try await database.consistentRead("loading the keyword index of knowledge base \(kb)") { connection in
            let stats = try await Self.stats(connection, kb: kb, logger: logger)
            var builder = BM25Snapshot.Builder()
            for try await (id, length) in try await connection.query("""
                SELECT chunk_id, length FROM bm25_documents WHERE kb_id = \(kb)
                """, logger: logger).decode((Int64, Int).self) {
                builder.addDocument(id, length: length)
            }
            // Terms arrive grouped (the primary key's order), each once, as the builder needs.
            var previous: String?
            for try await (term, id, tf) in try await connection.query("""
                SELECT term, chunk_id, tf FROM bm25_postings WHERE kb_id = \(kb) ORDER BY term, chunk_id
                """, logger: logger).decode((String, Int64, Int).self) {
                if term != previous {
                    builder.beginTerm(term)
                    previous = term
                }
                builder.addPosting(id, tf: tf)
            }
            return (stats.generation, builder.build())
        }
        snapshots.store(snapshot, for: kb, generation: generation)
    }

    /// The generation of `kb`'s in-memory snapshot, if one was built (for tests).
    func snapshotGeneration(of kb: KnowledgeBase.ID) -> Int64? { snapshots?.generation(of: kb) }

    private static func stats(_ connection: PostgresConnection, kb: KnowledgeBase.ID, logger: Logger) async throws -> BM25Stats {
        var stats = BM25Stats.empty
        for try await (n, total, generation) in try await connection.query("""
            SELECT document_count, total_length, generation FROM bm25_stats WHERE kb_id = \(kb)
            """, logger: logger).decode((Int, Int, Int64).self) {
            stats = BM25Stats(documents: n, totalLength: total, generation: generation)
        }
        return stats
    }

    /// BM25 computed by the server over the postings of the query terms.
    private static func searchPostings(_ connection: PostgresConnection, counts: [String: Int], k: Int, kb: KnowledgeBase.ID,
                                       stats: BM25Stats, parameters: BM25Parameters, scope: SearchScope?,
                                       logger: Logger) async throws -> [ScoredChunk] {
        let terms = counts.keys.sorted()
        var frequency: [String: Int] = [:]
        for try await (term, df) in try await connection.query("""
            SELECT term, COUNT(*)::integer FROM bm25_postings WHERE kb_id = \(kb) AND term = ANY(\(terms)::text[]) GROUP BY term
            """, logger: logger).decode((String, Int).self) {
            frequency[term] = df
        }
        let present = terms.filter { frequency[$0] != nil }
        guard !present.isEmpty else { return [] }
        let weights = present.map { BM25Parameters.idf(documentCount: stats.documents, documentFrequency: frequency[$0]!) * Double(counts[$0]!) }
        let average = Double(stats.totalLength) / Double(stats.documents)
        let k1 = parameters.k1, b = parameters.b
        let (k1PlusOne, oneMinusB, bOverAverage) = (k1 + 1, 1 - b, b / average)
        // The server adds the terms' contributions in an order of its own, so equal scores can differ in the last
        // bits; scores are rounded to 9 decimals (in float8: numeric is slow) so every process reports the same ones
        // (score fusion carries them into the fused score), and such ties fall back to the chunk id as in SQLite.
        // With a scope, only postings of chunks of its files (every file when there is none: the array is NULL).
        let files: [Int64]? = scope.map { $0.fileIDs.sorted() }
        var hits: [ScoredChunk] = []
        for try await (id, score) in try await connection.query("""
            SELECT chunk_id, round(score * 1e9) / 1e9 FROM (
                SELECT p.chunk_id,
                       SUM(q.weight * p.tf * \(k1PlusOne)::float8 / (p.tf + \(k1)::float8 * (\(oneMinusB)::float8 + \(bOverAverage)::float8 * p.doc_length))) AS score
                FROM unnest(\(present)::text[], \(weights)::float8[]) AS q(term, weight)
                JOIN bm25_postings p ON p.kb_id = \(kb) AND p.term = q.term
                WHERE \(files)::bigint[] IS NULL OR p.chunk_id IN (SELECT id FROM chunks WHERE file_id = ANY(\(files)::bigint[]))
                GROUP BY p.chunk_id) AS scored
            ORDER BY round(score * 1e9) DESC, chunk_id LIMIT \(k)
            """, logger: logger).decode((Int64, Double).self) {
            hits.append(ScoredChunk(chunkID: id, score: score))
        }
        return hits
    }

    private static func adjustStats(_ connection: PostgresConnection, kb: KnowledgeBase.ID, documents: Int, length: Int,
                                    logger: Logger) async throws {
        guard documents != 0 else { return }
        try await connection.execute("""
            INSERT INTO bm25_stats (kb_id, document_count, total_length) VALUES (\(kb), \(documents), \(length))
            ON CONFLICT (kb_id) DO UPDATE SET document_count = bm25_stats.document_count + excluded.document_count,
                                              total_length = bm25_stats.total_length + excluded.total_length
            """, logger: logger)
    }
}
