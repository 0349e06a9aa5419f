import Foundation
import PostgresNIO
import ZhikuCore
import ZhikuEngine
import ZhikuRetrieval
import ZhikuStorage

/// Hybrid search at 100 000 chunks on SQLite and on PostgreSQL + pgvector, in one run, on the same chunks and the
/// same real embeddings (multilingual-e5-small, made once by `zhiku embed` and cached: see scripts/bench.sh and
/// Benchmarks/peers/scale_corpus.py). Each query runs the path `ZhikuRuntime.search` takes in hybrid mode — BM25
/// and nearest vectors side by side, Reciprocal Rank Fusion, the hits read from the store — with the query's
/// embedding made beforehand (it costs the same on both; its time is printed apart). Also: recall@10 of the
/// pgvector HNSW index against exact search, and the time to load the chunks.
enum ScaleBenchmarks {
    struct Corpus {
        var chunks: [String]
        var vectors: [[Float]]
        var queries: [String]
        var queryVectors: [[Float]]
    }

    /// Reads the corpus made by the set-up (`chunks.jsonl`, `shards/*.json`, `queries.jsonl`, `queries.json`);
    /// the vectors are kept as `vectors.f32` after the first full read. With a `limit`, only the first `limit` chunks
    /// (and as many embedded shards as they need).
    static func load(_ folder: URL, limit: Int? = nil) throws -> Corpus {
        func lines(_ name: String) throws -> [Data] {
            try Data(contentsOf: folder.appendingPathComponent(name)).split(separator: UInt8(ascii: "\n")).map { Data($0) }
        }
        struct Text: Decodable { var text: String }
        struct Embedding: Decodable { var embedding: [Float] }
        let decoder = JSONDecoder()
        var chunks = try lines("chunks.jsonl").map { try decoder.decode(Text.self, from: $0).text }
        let complete = limit.map { $0 >= chunks.count } ?? true
        if let limit { chunks = Array(chunks.prefix(limit)) }
        let queries = try lines("queries.jsonl").map { try decoder.decode(Text.self, from: $0).text }
        let queryVectors = try lines("queries.json").map { try decoder.decode(Embedding.self, from: $0).embedding }
        let dimensions = queryVectors.first?.count ?? 0
        let binary = folder.appendingPathComponent("vectors.f32")
        var flat: [Float]
        if let data = try? Data(contentsOf: binary), data.count == chunks.count * dimensions * 4 {
            flat = data.littleEndianFloats(at: 0, count: chunks.count * dimensions)
        } else {
            flat = []
            flat.reserveCapacity(chunks.count * dimensions)
            let shards = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("shards").path)
                .filter { $0.hasSuffix(".json") }.sorted()
            for shard in shards where flat.count < chunks.count * dimensions {
                for line in try lines("shards/" + shard) { flat += try decoder.decode(Embedding.self, from: line).embedding }
            }
            if !complete { flat = Array(flat.prefix(chunks.count * dimensions)) }
            guard flat.count == chunks.count * dimensions else {
                throw ZhikuError.invalidInput("\(folder.path): \(flat.count / max(1, dimensions)) vectors for \(chunks.count) chunks (is the embedding finished?)")
            }
            if complete {
                try Data(littleEndianFloats: flat).write(to: binary)
            }
        }
        let vectors = (0..<chunks.count).map { Array(flat[$0 * dimensions..<($0 + 1) * dimensions]) }
        return Corpus(chunks: chunks, vectors: vectors, queries: queries, queryVectors: queryVectors)
    }

    /// One backend's store and indexes, filled with the corpus.
    struct Backend {
        var name: String
        var store: any Store
        var keywordIndex: any KeywordIndex
        var vectorIndex: any VectorIndex
        /// The same postings scored by the database on every query (no in-memory snapshot).
        var keywordIndexInDatabase: any KeywordIndex
        /// Loads the keyword index's in-memory snapshot.
        var warmKeyword: @Sendable (KnowledgeBase.ID) async throws -> Void
        var kb: KnowledgeBase
        /// Chunk ids in corpus order.
        var ids: [Chunk.ID]
        var loadSeconds: Double
    }

    static let model = "multilingual-e5-small"

    static func fill(_ name: String, store: any Store, keywordIndex: any KeywordIndex, vectorIndex: any VectorIndex,
                     keywordIndexInDatabase: any KeywordIndex, warmKeyword: @escaping @Sendable (KnowledgeBase.ID) async throws -> Void,
                     corpus: Corpus, clock: ContinuousClock) async throws -> Backend {
        let started = clock.now
        let kb = try await store.createKnowledgeBase(name: "scale", description: "", embeddingModel: model)
        var ids: [Chunk.ID] = []
        let perFile = 1_000
        for (n, start) in stride(from: 0, to: corpus.chunks.count, by: perFile).enumerated() {
            let end = min(corpus.chunks.count, start + perFile)
            let sha = String(format: "%064x", n + 1)
            let added = try await store.addFile(SourceFile(name: "part-\(n).txt", url: URL(fileURLWithPath: "/nonexistent"), sha256: sha,
                                                           mediaType: .plainText, size: 1), to: kb.id)
            let drafts = (start..<end).map { ChunkDraft(ordinal: $0 - start, page: 1, start: 0, end: corpus.chunks[$0].count, text: corpus.chunks[$0]) }
            let chunks = try await store.replaceChunks(ofFile: added.file.id, with: drafts, pageCount: 1)
            try await keywordIndex.add(chunks.map { IndexableChunk(id: $0.id, text: $0.text) }, to: kb.id)
            try await vectorIndex.upsert(zip(chunks, corpus.vectors[start..<end]).map { ChunkVector(id: $0.0.id, vector: $0.1) },
                                         in: VectorSpace(kb.id, model: model))
            if let job = added.job { try await store.finishJob(id: job.id, chunks: chunks.count) }
            ids += chunks.map(\.id)
            if n % 10 == 9 { FileHandle.standardError.write(Data("  \(name): \(end) chunks loaded\n".utf8)) }
        }
        return Backend(name: name, store: store, keywordIndex: keywordIndex, vectorIndex: vectorIndex,
                       keywordIndexInDatabase: keywordIndexInDatabase, warmKeyword: warmKeyword, kb: kb, ids: ids,
                       loadSeconds: seconds(clock.now - started))
    }

    /// The hybrid path of `ZhikuRuntime.search` with the query's embedding given.
    static func hybrid(_ query: String, vector: [Float], on backend: Backend, k: Int = 10) async throws -> [SearchHit] {
        let settings = RetrievalSettings()
        let depth = k + 10, candidates = max(depth, settings.candidates)
        async let keyword = backend.keywordIndex.search(query, k: candidates, in: backend.kb.id)
        async let nearest = backend.vectorIndex.nearest(to: vector, k: candidates, in: VectorSpace(backend.kb.id, model: model))
        let fused = settings.fusion.fuse(keyword: try await keyword, vector: try await nearest)
        return try await backend.store.hits(for: fused.prefix(depth).map { ScoredChunk(chunkID: $0.chunkID, score: $0.score) })
    }

    static func latencies(_ backend: Backend, _ corpus: Corpus, clock: ContinuousClock,
                          _ body: (String, [Float]) async throws -> Void) async throws -> [Double] {
        for i in 0..<20 { try await body(corpus.queries[i], corpus.queryVectors[i]) }  // warm-up
        var times: [Double] = []
        for (query, vector) in zip(corpus.queries, corpus.queryVectors) {
            let started = clock.now
            try await body(query, vector)
            times.append(seconds(clock.now - started) * 1000)
        }
        return times
    }

    static func hnswScans(_ database: PostgreSQLDatabase) async throws -> Int {
        let rows = try await database.rows("""
            SELECT COALESCE(SUM(idx_scan), 0)::bigint AS n FROM pg_stat_user_indexes WHERE indexrelname LIKE 'vectors_hnsw_%'
            """)
        return try rows.first.map { try $0["n"] } ?? 0
    }

    static func run(postgresURL: String?, corpusFolder: URL, limit: Int?, work: URL, clock: ContinuousClock) async throws -> [TableRow] {
        guard let postgresURL else {
            print("scale: skipped (no PostgreSQL: pass --postgres URL, or use scripts/bench.sh)")
            return []
        }
        let corpus = try load(corpusFolder, limit: limit)
        let sqliteDatabase = try SQLiteDatabase(path: work.appendingPathComponent("scale.sqlite").path)
        let name = "zhiku_bench_\(getpid())"
        let postgres = try await PostgreSQLDatabase.open(url: try await PostgreSQLDatabase.createDatabase(named: name, besides: postgresURL))
        defer { postgres.close() }
        let tokenizer = MixedScriptTokenizer()
        let sqliteKeywords = SQLiteKeywordIndex(database: sqliteDatabase, tokenizer: tokenizer)
        let sqlite = try await fill("SQLite", store: SQLiteStore(database: sqliteDatabase), keywordIndex: sqliteKeywords,
                                    vectorIndex: SQLiteVectorIndex(database: sqliteDatabase),
                                    keywordIndexInDatabase: SQLiteKeywordIndex(database: sqliteDatabase, tokenizer: tokenizer, cachesSnapshots: false),
                                    warmKeyword: sqliteKeywords.warm, corpus: corpus, clock: clock)
        let pgKeywords = PostgresKeywordIndex(database: postgres, tokenizer: tokenizer)
        let pg = try await fill("PostgreSQL", store: PostgresStore(database: postgres), keywordIndex: pgKeywords,
                                vectorIndex: PostgresVectorIndex(database: postgres),
                                keywordIndexInDatabase: PostgresKeywordIndex(database: postgres, tokenizer: tokenizer, cachesSnapshots: false),
                                warmKeyword: pgKeywords.warm, corpus: corpus, clock: clock)
        try await postgres.execute("VACUUM ANALYZE")

        var rows: [TableRow] = []
        let what = "hybrid query, \(corpus.chunks.count / 1000)k chunks, \(corpus.queries.count) queries"
        var results: [String: [[Chunk.ID]]] = [:]
        for backend in [sqlite, pg] {
            // The keyword snapshot is built before timing (a server builds it in the background after the first
            // search following a change; searches meanwhile are scored by the database, timed apart below).
            let building = clock.now
            try await backend.warmKeyword(backend.kb.id)
            let buildSeconds = seconds(clock.now - building)
            let scansBefore = backend.name == "PostgreSQL" ? try await hnswScans(postgres) : 0
            var answers: [[Chunk.ID]] = []
            let times = try await latencies(backend, corpus, clock: clock) { query, vector in
                let hits = try await hybrid(query, vector: vector, on: backend)
                answers.append(hits.map(\.chunk.id))
            }
            results[backend.name] = answers
            var note = ""
            if backend.name == "PostgreSQL" {
                // A server process sends its pending statistics when idle, at the latest 10 s later (PostgreSQL 15+).
                try await Task.sleep(for: .seconds(12))
                note = ", HNSW index used by \(try await hnswScans(postgres) - scansBefore) of \(corpus.queries.count + 20) queries"
            }
            rows.append(TableRow(what: what, tool: "zhiku · \(backend.name)",
                                 value: String(format: "p50 %.1f ms, p99 %.1f ms", percentile(times, 0.5), percentile(times, 0.99)) + note))
            for (mode, body) in [("of which keyword top 110", { (q: String, _: [Float]) in _ = try await backend.keywordIndex.search(q, k: 110, in: backend.kb.id) }),
                                 ("of which vector top 110", { (_: String, v: [Float]) in
                                     _ = try await backend.vectorIndex.nearest(to: v, k: 110, in: VectorSpace(backend.kb.id, model: model)) }),
                                 ("keyword top 110 scored by the database (no snapshot)", { (q: String, _: [Float]) in
                                     _ = try await backend.keywordIndexInDatabase.search(q, k: 110, in: backend.kb.id) })]
                as [(String, (String, [Float]) async throws -> Void)] {
                let part = try await latencies(backend, corpus, clock: clock, body)
                rows.append(TableRow(what: "  \(mode)", tool: "zhiku · \(backend.name)",
                                     value: String(format: "p50 %.1f ms, p99 %.1f ms", percentile(part, 0.5), percentile(part, 0.99))))
            }
            rows.append(TableRow(what: "load \(corpus.chunks.count / 1000)k chunks (store, BM25, vectors)", tool: "zhiku · \(backend.name)",
                                 value: String(format: "%.0f s", backend.loadSeconds)))
            rows.append(TableRow(what: "build the keyword snapshot (all postings into memory)", tool: "zhiku · \(backend.name)",
                                 value: String(format: "%.1f s", buildSeconds)))
        }
        // Recall of the approximate index against exact search (SQLite's), by corpus position.
        let position = { (backend: Backend) in Dictionary(uniqueKeysWithValues: backend.ids.enumerated().map { ($0.element, $0.offset) }) }
        let sqlitePositions = position(sqlite), pgPositions = position(pg)
        // (k, how many the index is asked for): a top 10 asked alone, and as the hybrid path asks — 100 candidates,
        // of which the first 10 — and a top 100.
        func recall(_ label: String) async throws {
            for (k, asked) in [(10, 10), (10, 100), (100, 100)] {
                var recall = 0.0
                for vector in corpus.queryVectors {
                    let exact = Set(try await sqlite.vectorIndex.nearest(to: vector, k: k, in: VectorSpace(sqlite.kb.id, model: model))
                        .compactMap { sqlitePositions[$0.chunkID] })
                    let approximate = Set(try await pg.vectorIndex.nearest(to: vector, k: asked, in: VectorSpace(pg.kb.id, model: model))
                        .prefix(k).compactMap { pgPositions[$0.chunkID] })
                    recall += Double(exact.intersection(approximate).count) / Double(max(1, exact.count))
                }
                let what = asked == k ? "vector recall@\(k) vs exact search" : "vector recall@\(k) of a top \(asked) vs exact search"
                rows.append(TableRow(what: what + label, tool: "pgvector HNSW (ef_search \(max(40, asked)))",
                                     value: String(format: "%.4f", recall / Double(corpus.queryVectors.count))))
            }
        }
        try await recall("")
        // The graph built row by row while loading, against one built in bulk from the loaded rows (REINDEX).
        let index: String = try await postgres.rows("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'vectors_hnsw_%'")
            .first.map { try $0["indexname"] } ?? ""
        let reindexing = clock.now
        try await postgres.execute(PostgresQuery(unsafeSQL: "REINDEX INDEX \(index)"))
        rows.append(TableRow(what: "rebuild the HNSW index in bulk (REINDEX)", tool: "zhiku · PostgreSQL",
                             value: String(format: "%.0f s", seconds(clock.now - reindexing))))
        try await recall(", after REINDEX")
        // The reference checked: PostgreSQL's own exact search (index scans off, so no HNSW) against SQLite's.
        var agreement = 0.0
        let dimensions = corpus.queryVectors.first?.count ?? 0
        for vector in corpus.queryVectors {
            let exact = Set(try await sqlite.vectorIndex.nearest(to: vector, k: 10, in: VectorSpace(sqlite.kb.id, model: model))
                .compactMap { sqlitePositions[$0.chunkID] })
            let text = "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
            let scanned = try await postgres.transaction("exact search") { connection in
                try await connection.execute("SET LOCAL enable_indexscan = off", logger: postgres.logger)
                var ids: [Int64] = []
                for try await id in try await connection.query("""
                    SELECT chunk_id FROM vectors WHERE kb_id = \(pg.kb.id) AND model = \(model)
                    ORDER BY (embedding::vector(\(unescaped: String(dimensions)))) <#> \(text)::vector(\(unescaped: String(dimensions))) LIMIT 10
                    """, logger: postgres.logger).decode(Int64.self) {
                    ids.append(id)
                }
                return ids
            }
            agreement += Double(exact.intersection(scanned.compactMap { pgPositions[$0] }).count) / Double(max(1, exact.count))
        }
        rows.append(TableRow(what: "exact top 10: PostgreSQL's (no index) in SQLite's", tool: "overlap",
                             value: String(format: "%.4f", agreement / Double(max(1, corpus.queryVectors.count)))))
        // How often the two backends' hybrid top 10 agree (the same chunks, by corpus position).
        let a = results["SQLite"] ?? [], b = results["PostgreSQL"] ?? []
        var overlap = 0.0
        for (x, y) in zip(a, b) {
            let left = Set(x.prefix(10).compactMap { sqlitePositions[$0] }), right = Set(y.prefix(10).compactMap { pgPositions[$0] })
            overlap += Double(left.intersection(right).count) / Double(max(1, left.count))
        }
        rows.append(TableRow(what: "hybrid top 10: PostgreSQL's in SQLite's", tool: "overlap", value: String(format: "%.4f", overlap / Double(max(1, a.count)))))
        return rows
    }
}
