import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuRetrieval

/// `zhiku eval FOLDER` (the default of ``Eval``; also `zhiku eval score FOLDER`): ingests a BEIR collection into a
/// scratch knowledge base through the normal pipeline and scores keyword, vector and hybrid search on its judged
/// queries.
struct EvalScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score keyword, vector and hybrid search on a BEIR-format collection (corpus.jsonl, queries.jsonl, qrels/test.tsv).")

    @Argument(help: "The collection's folder.") var folder: String
    @Option(help: "Embedding model id (default: $ZHIKU_EMBEDDING_MODEL or multilingual-e5-small).") var embeddingModel: String?
    @Option(help: "Score only the first N judged queries.") var queries: Int?
    @Option(help: "Chunks retrieved per query before they are grouped into documents.") var depth = 300
    @Option(help: "Keep the scratch data here (default: a temporary folder, removed afterwards); a later run with the same folder scores the knowledge base already there instead of ingesting again.")
    var data: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Also write, per judged query, the hybrid candidates with each side's rank and score and the documents they belong to (JSON lines), for studying fusion offline; only hybrid search is scored then.")
    var lists: String?

    func validate() throws {
        if let queries, queries < 1 { throw ValidationError("--queries must be at least 1") }
        if !(100...1000).contains(depth) { throw ValidationError("--depth must be between 100 and 1000") }
    }

    func run() async throws {
        let dataset = try BEIRDataset(folder: URL(fileURLWithPath: folder, isDirectory: true))
        let scratch = data.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("zhiku-eval-\(UUID().uuidString)", isDirectory: true)
        defer { if data == nil { try? FileManager.default.removeItem(at: scratch) } }
        var options = DataOptions()
        options.data = scratch.path
        let runtime = try await options.runtime()

        let clock = ContinuousClock()
        let started = clock.now
        let (kb, documentsOfFile) = try await ingest(dataset, into: runtime)
        let ingestSeconds = (clock.now - started).seconds
        let chunks = try await runtime.store.files(in: kb.id).reduce(0) { $0 + $1.chunkCount }

        let judged = Array(dataset.queries.prefix(queries ?? .max))
        var report = Report(dataset: dataset.name, documents: dataset.corpus.count, chunks: chunks, queries: judged.count,
                            embeddingModel: kb.embeddingModel, ingestS: ingestSeconds, modes: [:])
        let modes: [SearchMode] = kb.embeddingModel == nil ? [.keyword] : lists != nil ? [.hybrid] : [.keyword, .vector, .hybrid]
        let listWriter = try lists.map { path in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
            return handle
        }
        defer { try? listWriter?.close() }
        for mode in modes {
            _ = try await runtime.search(judged[0].text, in: kb, k: depth, mode: mode)  // loads the index into memory
            var sums = [Double](repeating: 0, count: 4)
            var latencies: [Double] = []
            for query in judged {
                let t0 = clock.now
                let results = try await runtime.search(query.text, in: kb, k: depth, mode: mode)
                latencies.append((clock.now - t0).seconds * 1000)
                var ranked: [String] = [], seen: Set<String> = []
                for hit in results.hits {
                    for id in documentsOfFile[hit.chunk.fileID] ?? [] where seen.insert(id).inserted { ranked.append(id) }
                }
                let relevant = dataset.relevant[query.id] ?? []
                if let listWriter {
                    let candidates = results.hits.map {
                        Candidate(documents: documentsOfFile[$0.chunk.fileID] ?? [], keywordRank: $0.keywordRank,
                                  keywordScore: $0.keywordScore, vectorRank: $0.vectorRank, vectorScore: $0.vectorScore)
                    }
                    let line = QueryLists(query: query.id, relevant: relevant.sorted(), candidates: candidates)
                    try listWriter.write(contentsOf: ZhikuJSON.encoder.encode(line) + Data("\n".utf8))
                }
                sums[0] += RetrievalMetrics.ndcg(ranked, relevant: relevant, at: 10)
                sums[1] += RetrievalMetrics.mrr(ranked, relevant: relevant, at: 10)
                sums[2] += RetrievalMetrics.recall(ranked, relevant: relevant, at: 10)
                sums[3] += RetrievalMetrics.recall(ranked, relevant: relevant, at: 100)
            }
            let n = Double(judged.count)
            report.modes[mode.rawValue] = Scores(ndcg10: sums[0] / n, mrr10: sums[1] / n, recall10: sums[2] / n,
                                                 recall100: sums[3] / n,
                                                 p50Ms: RetrievalMetrics.percentile(latencies, 50),
                                                 p99Ms: RetrievalMetrics.percentile(latencies, 99))
        }
        if json {
            try emitJSON(report)
        } else {
            print(report)
        }
    }

    /// Adds every document as a text file and runs the ingest jobs. Returns the knowledge base and, per file, the
    /// documents it holds (identical documents share one file).
    private func ingest(_ dataset: BEIRDataset, into runtime: ZhikuRuntime) async throws
        -> (KnowledgeBase, [FileRecord.ID: [String]]) {
        let name = "eval-" + dataset.name
        if let kb = try await runtime.store.knowledgeBase(named: name) {
            return (kb, try await reuse(kb, dataset, runtime))
        }
        let kb = try await runtime.createKnowledgeBase(name: name, embeddingModel: EmbeddingChoice(parsing: embeddingModel))
        let progress = ProgressLine(total: dataset.corpus.count)
        var documentsOfFile: [FileRecord.ID: [String]] = [:]
        var jobs: [Job.ID] = []
        for (n, document) in dataset.corpus.enumerated() {
            let writer = try runtime.blobs.makeWriter(limit: runtime.configuration.maxUploadBytes)
            try writer.append(Array(document.indexedText.utf8))
            let added = try await runtime.addFile(try writer.finish(), name: "doc-\(n).txt", to: kb)
            documentsOfFile[added.file.id, default: []].append(document.id)
            if !added.duplicate, let job = added.job { jobs.append(job.id) } else { progress.advance("") }
        }
        var failures: [String] = []
        try await runtime.drainJobs(ids: jobs) { job in
            if job.status != .succeeded { failures.append("file \(job.fileID): \(job.error ?? "failed")") }
            progress.advance("")
        }
        progress.finish()
        guard failures.isEmpty else {
            throw ZhikuError(.extractionFailed, "\(failures.count) documents failed to ingest, e.g. \(failures[0])")
        }
        return (kb, documentsOfFile)
    }

    /// Maps the files of a knowledge base a previous run ingested back to the documents, by content hash.
    private func reuse(_ kb: KnowledgeBase, _ dataset: BEIRDataset, _ runtime: ZhikuRuntime) async throws
        -> [FileRecord.ID: [String]] {
        if !EmbeddingChoice(parsing: embeddingModel).accepts(kb.embeddingModel) {
            throw ValidationError("\(data ?? "") holds '\(kb.name)' embedded with \(kb.embeddingModel ?? "none"); use another --data folder")
        }
        let files = try await runtime.store.files(in: kb.id)
        guard files.allSatisfy({ $0.status == .ready }) else {
            throw ValidationError("'\(kb.name)' in \(data ?? "") is not fully ingested; remove the folder and run again")
        }
        let fileOfHash = Dictionary(files.map { ($0.sha256, $0.id) }, uniquingKeysWith: { a, _ in a })
        var documentsOfFile: [FileRecord.ID: [String]] = [:]
        for document in dataset.corpus {
            guard let file = fileOfHash[SHA256Hasher.hash(Array(document.indexedText.utf8))] else {
                throw ValidationError("'\(kb.name)' in \(data ?? "") was built from other documents; use another --data folder")
            }
            documentsOfFile[file, default: []].append(document.id)
        }
        return documentsOfFile
    }

    /// One query's hybrid candidates for `--lists`.
    struct QueryLists: Encodable {
        var query: String
        var relevant: [String]
        var candidates: [Candidate]
    }

    struct Candidate: Encodable {
        var documents: [String]
        var keywordRank: Int?
        var keywordScore: Double?
        var vectorRank: Int?
        var vectorScore: Double?
    }

    struct Scores: Encodable {
        var ndcg10, mrr10, recall10, recall100, p50Ms, p99Ms: Double

        enum CodingKeys: String, CodingKey {
            case ndcg10 = "ndcg@10", mrr10 = "mrr@10", recall10 = "recall@10", recall100 = "recall@100"
            case p50Ms = "p50_ms", p99Ms = "p99_ms"
        }
    }

    struct Report: Encodable, CustomStringConvertible {
        var dataset: String
        var documents: Int
        var chunks: Int
        var queries: Int
        var embeddingModel: String?
        var ingestS: Double
        var modes: [String: Scores]

        var description: String {
            var lines = ["\(dataset): \(documents) documents (\(chunks) chunks, ingested in \(String(format: "%.1f", ingestS)) s), "
                         + "\(queries) queries, embeddings: \(embeddingModel ?? "none")",
                         "mode       nDCG@10  MRR@10  R@10    R@100   p50 ms   p99 ms"]
            for mode in SearchMode.allCases {
                guard let s = modes[mode.rawValue] else { continue }
                lines.append(String(format: "%-9@  %.4f   %.4f  %.4f  %.4f  %7.2f  %7.2f", mode.rawValue as NSString,
                                    s.ndcg10, s.mrr10, s.recall10, s.recall100, s.p50Ms, s.p99Ms))
            }
            return lines.joined(separator: "\n")
        }
    }
}
