import Foundation
import PostgresNIO
import ZhikuCore
import ZhikuRetrieval
import ZhikuStorage

/// pgvector's HNSW recall against exact search, over repeated loads of the scale benchmark's 100 000 real e5
/// vectors (`--only pgvector`). Each load is a fresh database filled the way Zhiku fills it (the space's index
/// made empty when the first vectors arrive, then 1 000 rows per statement), with the graph parameters under test;
/// every load is then searched at several `hnsw.ef_search` values. The reference is float32 exact search in memory
/// (``VectorSnapshot`` without its int8 copy), by corpus position. Recall is reported for all queries and for each
/// half of the query set (news headlines, then Chinese idioms), and for the worst single load.
enum PgvectorRecallBenchmarks {
    struct Graph { var m: Int; var efConstruction: Int }

    static let model = "multilingual-e5-small"

    static func run(postgresURL: String?, corpusFolder: URL, limit: Int?, graphs: [Graph], loads: Int, efSearch: [Int],
                    clock: ContinuousClock) async throws -> [TableRow] {
        guard let postgresURL else {
            print("pgvector: skipped (no PostgreSQL: pass --postgres URL, or use scripts/bench.sh)")
            return []
        }
        let corpus = try ScaleBenchmarks.load(corpusFolder, limit: limit)
        let dimensions = corpus.queryVectors.first?.count ?? 0
        let reference = VectorSnapshot(chunkIDs: (0..<corpus.vectors.count).map { Int64($0) }, dimensions: dimensions,
                                       rows: corpus.vectors.flatMap { $0 }, quantized: false)
        let exact = corpus.queryVectors.map { Set(reference.nearest(to: $0, k: 10).map { Int($0.chunkID) }) }
        let half = corpus.queryVectors.count / 2
        var rows: [TableRow] = []
        for graph in graphs {
            // recall[ef] per load: (all, first half, second half); latency per ef over all loads.
            var recalls: [Int: [(Double, Double, Double)]] = [:], times: [Int: [Double]] = [:], loadSeconds: [Double] = []
            for load in 1...loads {
                let name = "zhiku_pgv_\(getpid())_\(graph.m)_\(graph.efConstruction)_\(load)"
                let database = try await PostgreSQLDatabase.open(url: try await PostgreSQLDatabase.createDatabase(named: name, besides: postgresURL))
                let store = PostgresStore(database: database)
                let writer = PostgresVectorIndex(database: database, hnsw: HNSWSettings(m: graph.m, efConstruction: graph.efConstruction))
                let started = clock.now
                let kb = try await store.createKnowledgeBase(name: "pgvector", description: "", embeddingModel: model)
                var positions: [Chunk.ID: Int] = [:]
                for (n, start) in stride(from: 0, to: corpus.chunks.count, by: 1_000).enumerated() {
                    let end = min(corpus.chunks.count, start + 1_000)
                    let added = try await store.addFile(SourceFile(name: "part-\(n).txt", url: URL(fileURLWithPath: "/nonexistent"),
                                                                   sha256: String(format: "%064x", n + 1), mediaType: .plainText, size: 1), to: kb.id)
                    let drafts = (start..<end).map { ChunkDraft(ordinal: $0 - start, page: 1, start: 0, end: 1, text: "chunk \($0)") }
                    let chunks = try await store.replaceChunks(ofFile: added.file.id, with: drafts, pageCount: 1)
                    try await writer.upsert(zip(chunks, corpus.vectors[start..<end]).map { ChunkVector(id: $0.0.id, vector: $0.1) },
                                            in: VectorSpace(kb.id, model: model))
                    for (offset, chunk) in chunks.enumerated() { positions[chunk.id] = start + offset }
                }
                try await database.execute("VACUUM ANALYZE")
                loadSeconds.append(seconds(clock.now - started))
                FileHandle.standardError.write(Data("  pgvector m \(graph.m) ef_construction \(graph.efConstruction), load \(load): \(Int(loadSeconds.last!)) s\n".utf8))
                for ef in efSearch {
                    let reader = PostgresVectorIndex(database: database, hnsw: HNSWSettings(m: graph.m, efConstruction: graph.efConstruction, efSearchFloor: ef))
                    var parts = [0.0, 0.0, 0.0]
                    for i in 0..<20 { _ = try await reader.nearest(to: corpus.queryVectors[i], k: 10, in: VectorSpace(kb.id, model: model)) }
                    for (i, vector) in corpus.queryVectors.enumerated() {
                        let begun = clock.now
                        let found = try await reader.nearest(to: vector, k: 10, in: VectorSpace(kb.id, model: model))
                        times[ef, default: []].append(seconds(clock.now - begun) * 1000)
                        let hit = Double(exact[i].intersection(found.compactMap { positions[$0.chunkID] }).count) / Double(max(1, exact[i].count))
                        parts[0] += hit
                        parts[i < half ? 1 : 2] += hit
                    }
                    let n = Double(corpus.queryVectors.count)
                    recalls[ef, default: []].append((parts[0] / n, parts[1] / Double(half), parts[2] / (n - Double(half))))
                    FileHandle.standardError.write(Data(String(format: "    ef_search %d: recall@10 %.4f\n", ef, parts[0] / n).utf8))
                }
                if graph.m == graphs[0].m && graph.efConstruction == graphs[0].efConstruction && load == 1 {
                    rows.append(try await exactScan(database, kb: kb.id, corpus: corpus, dimensions: dimensions, clock: clock))
                }
                database.close()
                // Dropped through the server's first database (a throwaway server: a failure only leaves disk used).
                let admin = try await PostgreSQLDatabase.open(url: postgresURL)
                try? await admin.execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
                admin.close()
            }
            let label = "m \(graph.m), ef_construction \(graph.efConstruction)"
            rows.append(TableRow(what: "load \(corpus.vectors.count / 1000)k vectors row by row (\(label))", tool: "pgvector 0.6.2",
                                 value: loadSeconds.map { String(format: "%.0f s", $0) }.joined(separator: ", ")))
            for ef in efSearch {
                let r = recalls[ef] ?? []
                let all = r.map { String(format: "%.4f", $0.0) }.joined(separator: " / ")
                let worst = r.min { $0.0 < $1.0 }.map { String(format: "worst load: news %.4f, idioms %.4f", $0.1, $0.2) } ?? ""
                let t = times[ef] ?? []
                rows.append(TableRow(what: "recall@10, \(label), ef_search \(ef)", tool: "pgvector 0.6.2",
                                     value: "per load \(all); \(worst); query p50 \(String(format: "%.1f", percentile(t, 0.5))) ms, p99 \(String(format: "%.1f", percentile(t, 0.99))) ms"))
            }
        }
        return rows
    }

    /// Exact search in SQL (index scans off): what a query costs when it reads every vector.
    static func exactScan(_ database: PostgreSQLDatabase, kb: KnowledgeBase.ID, corpus: ScaleBenchmarks.Corpus, dimensions: Int,
                          clock: ContinuousClock) async throws -> TableRow {
        var times: [Double] = []
        for vector in corpus.queryVectors.prefix(100) {
            let text = "[" + vector.map { "\($0)" }.joined(separator: ",") + "]"
            let begun = clock.now
            _ = try await database.transaction("exact search") { connection in
                try await connection.execute("SET LOCAL enable_indexscan = off", logger: database.logger)
                var ids: [Int64] = []
                for try await id in try await connection.query("""
                    SELECT chunk_id FROM vectors WHERE kb_id = \(kb) AND model = \(model)
                    ORDER BY (embedding::vector(\(unescaped: String(dimensions)))) <#> \(text)::vector(\(unescaped: String(dimensions))) LIMIT 10
                    """, logger: database.logger).decode(Int64.self) {
                    ids.append(id)
                }
                return ids
            }
            times.append(seconds(clock.now - begun) * 1000)
        }
        return TableRow(what: "exact search in SQL (no index), top 10, 100 queries", tool: "PostgreSQL 16 + pgvector 0.6.2",
                        value: String(format: "p50 %.1f ms, p99 %.1f ms", percentile(times, 0.5), percentile(times, 0.99)))
    }
}
