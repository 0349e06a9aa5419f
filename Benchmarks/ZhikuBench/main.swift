import Foundation
import ZhikuCore
import ZhikuIngest
import ZhikuRetrieval
import ZhikuStorage

// zhiku-bench [--python PATH] [--docs N]
// Splitter throughput and BM25 query latency, with the Python peers (LangChain's splitter, bm25s) run on the
// same generated data in the same run when a Python with those packages is given.

var pythonArgument: String? = nil
var documentCount = 100_000
/// Sections to run (all when empty).
var only: Set<String> = []
/// The GGUF copy llama.cpp (the chat peer) can load; scripts/bench.sh prepares it.
var peerChatModel: String? = nil
/// The PostgreSQL server of the scale benchmark, and its corpus.
var postgresURL: String? = nil
/// Only the first this many chunks of the scale corpus (a smoke run, or while its embedding is unfinished).
var scaleLimit: Int? = nil
var scaleCorpus = URL(fileURLWithPath: (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache")
                      + "/zhiku/bench-corpus/scale")
/// The dev QA set's documents (../shared/eval/qa/fetch.sh) and ../shared/eval, for the Qwen benchmark's text.
var qaDocs = URL(fileURLWithPath: (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache")
                 + "/zhiku/qa-docs")
var sharedEval = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/eval")
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--python": pythonArgument = arguments.next()
    case "--docs": documentCount = Int(arguments.next() ?? "") ?? documentCount
    case "--only": only = Set((arguments.next() ?? "").split(separator: ",").map(String.init))
    case "--peer-chat-model": peerChatModel = arguments.next()
    case "--postgres": postgresURL = arguments.next()
    case "--scale-corpus": scaleCorpus = URL(fileURLWithPath: arguments.next() ?? "")
    case "--scale-limit": scaleLimit = arguments.next().flatMap { Int($0) }
    case "--qa-docs": qaDocs = URL(fileURLWithPath: arguments.next() ?? "")
    case "--shared-eval": sharedEval = URL(fileURLWithPath: arguments.next() ?? "")
    default:
        FileHandle.standardError.write(Data("usage: zhiku-bench [--python PATH] [--docs N] [--only splitter,bm25,embeddings,vectors,chat,qwen,qwen-tokenizer,ocr,paddle-ocr,speech,office,scale,pgvector] [--qa-docs DIR] [--shared-eval DIR] [--peer-chat-model PATH] [--postgres URL] [--scale-corpus DIR] [--scale-limit CHUNKS]\n".utf8))
        exit(2)
    }
}

let python = pythonArgument
let work = FileManager.default.temporaryDirectory.appendingPathComponent("zhiku-bench-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }
let peersFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers")

struct TableRow { var what: String; var tool: String; var value: String }
var rows: [TableRow] = []

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

@MainActor func runPeer(_ script: String, _ args: [String]) -> [String: Double]? {
    guard let python else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [peersFolder.appendingPathComponent(script).path] + args
    let out = Pipe()
    p.standardOutput = out
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return nil }
    return try? JSONDecoder().decode([String: Double].self, from: data)
}

let clock = ContinuousClock()

if only.isEmpty || only.contains("splitter") {
    // MARK: Splitter

    let text = Corpus.mixedText(bytes: 4 << 20)
    let textFile = work.appendingPathComponent("mixed.txt")
    try text.write(to: textFile, atomically: true, encoding: .utf8)
    let megabytes = Double(text.utf8.count) / 1_048_576
    let settings: [(String, [String])] = [
        ("default separators", RecursiveCharacterTextSplitter.defaultSeparators),
        ("Chinese separators", ["\n\n", "\n", "。", "！", "？", "；", "，", " ", ""]),
    ]
    for (label, separators) in settings {
        let splitter = try RecursiveCharacterTextSplitter(chunkSize: 500, chunkOverlap: 50, separators: separators)
        let clock = ContinuousClock()
        var chunks = 0
        var best = Double.infinity
        for _ in 0..<3 {
            let elapsed = clock.measure { chunks = splitter.splitText(text).count }
            best = min(best, seconds(elapsed))
        }
        rows.append(TableRow(what: "split 500/50, \(label) (\(String(format: "%.1f", megabytes)) MB, \(chunks) chunks)",
                        tool: "zhiku", value: String(format: "%.2f MB/s", megabytes / best)))
        let json = String(decoding: try JSONEncoder().encode(separators), as: UTF8.self)
        if let peer = runPeer("langchain_split.py", [textFile.path, json]) {
            rows.append(TableRow(what: "", tool: "langchain-text-splitters",
                            value: String(format: "%.2f MB/s (%d chunks)", megabytes / peer["seconds"]!, Int(peer["chunks"]!))))
        }
    }
}

if only.isEmpty || only.contains("bm25") {
    // MARK: BM25

    let documents = Corpus.shortDocuments(count: documentCount)
    let queries = Corpus.queries(count: 400)
    try documents.joined(separator: "\n").write(to: work.appendingPathComponent("docs.txt"), atomically: true, encoding: .utf8)
    try queries.joined(separator: "\n").write(to: work.appendingPathComponent("queries.txt"), atomically: true, encoding: .utf8)

    let database = try SQLiteDatabase(path: work.appendingPathComponent("bench.sqlite").path)
    let index = SQLiteKeywordIndex(database: database, tokenizer: MixedScriptTokenizer())
    let indexing = try await clock.measure {
        let chunks = documents.enumerated().map { IndexableChunk(id: Int64($0.offset + 1), text: $0.element) }
        for start in stride(from: 0, to: chunks.count, by: 10_000) {
            try await index.add(Array(chunks[start..<min(chunks.count, start + 10_000)]), to: 1)
        }
    }
    rows.append(TableRow(what: "BM25 index \(documentCount) short docs", tool: "zhiku (SQLite)",
                    value: String(format: "%.1f s", seconds(indexing))))
    func queryLatencies(_ index: SQLiteKeywordIndex) async throws -> [Double] {
        for q in queries.prefix(20) { _ = try await index.search(q, k: 10, in: 1) }  // warm the page cache
        var latencies: [Double] = []
        for q in queries {
            let t = clock.now
            _ = try await index.search(q, k: 10, in: 1)
            latencies.append(seconds(clock.now - t) * 1000)
        }
        return latencies
    }
    let loading = try await clock.measure { try await index.warm(1) }
    rows.append(TableRow(what: "BM25 snapshot load \(documentCount) docs", tool: "zhiku (SQLite → memory)",
                    value: String(format: "%.2f s", seconds(loading))))
    let latencies = try await queryLatencies(index)
    rows.append(TableRow(what: "BM25 query, top 10, \(documentCount) docs", tool: "zhiku (SQLite + snapshot)",
                    value: String(format: "p50 %.2f ms, p99 %.2f ms", percentile(latencies, 0.5), percentile(latencies, 0.99))))
    let sqlOnly = SQLiteKeywordIndex(database: database, tokenizer: MixedScriptTokenizer(), cachesSnapshots: false)
    let sqlLatencies = try await queryLatencies(sqlOnly)
    rows.append(TableRow(what: "", tool: "zhiku (SQL only, right after a change)",
                    value: String(format: "p50 %.2f ms, p99 %.2f ms", percentile(sqlLatencies, 0.5), percentile(sqlLatencies, 0.99))))

    let (ftsIndexing, ftsLatencies) = try FTS5Alternative.measure(documents: documents, queries: queries, folder: work)
    rows.append(TableRow(what: "", tool: "SQLite FTS5 + its bm25() (not shipped)",
                    value: String(format: "p50 %.2f ms, p99 %.2f ms (index %.1f s)", percentile(ftsLatencies, 0.5),
                                  percentile(ftsLatencies, 0.99), ftsIndexing)))

    let memory = MemoryKeywordIndex(tokenizer: MixedScriptTokenizer())
    await memory.add(documents.enumerated().map { IndexableChunk(id: Int64($0.offset + 1), text: $0.element) }, to: 1)
    var memoryLatencies: [Double] = []
    for q in queries {
        let t = clock.now
        _ = try await memory.search(q, k: 10, in: 1)
        memoryLatencies.append(seconds(clock.now - t) * 1000)
    }
    rows.append(TableRow(what: "", tool: "zhiku (in-memory reference)",
                    value: String(format: "p50 %.2f ms, p99 %.2f ms", percentile(memoryLatencies, 0.5),
                                  percentile(memoryLatencies, 0.99))))
    if let peer = runPeer("bm25s_query.py", [work.appendingPathComponent("docs.txt").path,
                                             work.appendingPathComponent("queries.txt").path]) {
        rows.append(TableRow(what: "", tool: "bm25s (in memory, numpy)",
                        value: String(format: "p50 %.2f ms, p99 %.2f ms (index %.1f s)", peer["p50_ms"]!, peer["p99_ms"]!,
                                      peer["index_seconds"]!)))
    }
}

// MARK: Embeddings and vector search

if only.isEmpty || only.contains("embeddings") {
    rows.append(contentsOf: try await EmbeddingBenchmarks.run(python: python, work: work, clock: clock) { runPeer($0, $1) })
}

// MARK: Vector search

if only.isEmpty || only.contains("vectors") {
    rows.append(contentsOf: try await VectorSearchBenchmarks.run(work: work, sharedEval: sharedEval, clock: clock) { runPeer($0, $1) })
}

// MARK: Chat

if only.isEmpty || only.contains("chat") {
    let model = peerChatModel
    rows.append(contentsOf: try await ChatBenchmarks.run(python: python, work: work, clock: clock, peerModel: model) { runPeer($0, $1) })
}

// MARK: Qwen2.5 (tokenizer, prompt processing, generation beside llama.cpp)

if only.isEmpty || only.contains("qwen") || only.contains("qwen-tokenizer") {
    rows.append(contentsOf: try QwenBenchmarks.run(python: python, peers: peersFolder, qaDocs: qaDocs, sharedEval: sharedEval,
                                                   clock: clock, tokenizerOnly: !only.contains("qwen") && only.contains("qwen-tokenizer")))
}

// MARK: OCR

if only.isEmpty || only.contains("ocr") {
    rows.append(contentsOf: try await OCRBenchmarks.run(work: work, clock: clock))
}
if only.isEmpty || only.contains("ocr") || only.contains("paddle-ocr") {
    rows.append(contentsOf: try await PaddleOCRBenchmarks.run(python: python, peers: peersFolder, sharedEval: sharedEval, qaDocs: qaDocs,
                                                              work: work, clock: clock))
}

// MARK: Office documents

if only.isEmpty || only.contains("office") {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    rows.append(contentsOf: try await OfficeBenchmarks.run(python: python, work: work, clock: clock, repository: repository) {
        runPeer($0, $1)
    })
}

// MARK: Speech

if only.isEmpty || only.contains("speech") {
    rows.append(contentsOf: try await SpeechBenchmarks.run(python: python, work: work, clock: clock, peers: peersFolder))
}

// MARK: Scale (SQLite and PostgreSQL at 100k chunks; not part of a plain run: it needs a server and a cached corpus)

if only.contains("pgvector") {
    let environment = ProcessInfo.processInfo.environment
    let graphs = (environment["ZHIKU_BENCH_HNSW_GRAPHS"] ?? "16x64,32x128").split(separator: ",").compactMap { spec -> PgvectorRecallBenchmarks.Graph? in
        let parts = spec.split(separator: "x").compactMap { Int($0) }
        return parts.count == 2 ? .init(m: parts[0], efConstruction: parts[1]) : nil
    }
    let efSearch = (environment["ZHIKU_BENCH_EF_SEARCH"] ?? "40,100,200,400").split(separator: ",").compactMap { Int($0) }
    rows.append(contentsOf: try await PgvectorRecallBenchmarks.run(postgresURL: postgresURL, corpusFolder: scaleCorpus, limit: scaleLimit,
                                                           graphs: graphs, loads: environment["ZHIKU_BENCH_LOADS"].flatMap { Int($0) } ?? 3,
                                                           efSearch: efSearch, clock: clock))
}

if only.contains("scale") {
    rows.append(contentsOf: try await ScaleBenchmarks.run(postgresURL: postgresURL, corpusFolder: scaleCorpus, limit: scaleLimit,
                                                  work: work, clock: clock))
}

// MARK: Table

let widths = [rows.map(\.what.count).max()!, rows.map(\.tool.count).max()!]
func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
print(pad("benchmark", widths[0]) + " | " + pad("tool", widths[1]) + " | result")
print(String(repeating: "-", count: widths[0]) + "-|-" + String(repeating: "-", count: widths[1]) + "-|-------")
for r in rows { print(pad(r.what, widths[0]) + " | " + pad(r.tool, widths[1]) + " | " + r.value) }
if python == nil { print("(peers not run: pass --python PATH, or use scripts/bench.sh)") }
