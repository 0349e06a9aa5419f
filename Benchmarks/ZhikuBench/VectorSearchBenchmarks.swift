import Foundation
import ZhikuCore
import ZhikuModels
import ZhikuRetrieval

/// Exhaustive vector search: float32 on two cores and the int8 pass with float32 rescoring, beside numpy, at
/// 10 000, 100 000 and 1 000 000 vectors; and the int8 pass's recall@10 on real e5 vectors (the two retrieval
/// development sets' documents and queries).
enum VectorSearchBenchmarks {
    static func run(work: URL, sharedEval: URL, clock: ContinuousClock,
                    peer: (String, [String]) -> [String: Double]?) async throws -> [TableRow] {
        var rows = try await recallOnE5(sharedEval: sharedEval)
        for count in [10_000, 100_000, 1_000_000] {
            let matrix = randomUnitVectors(count, seed: UInt64(count))
            let file = work.appendingPathComponent("vectors-\(count).f32")
            try matrix.withUnsafeBytes { try Data($0).write(to: file) }
            let queries = count >= 1_000_000 ? 50 : 200
            let ids = (1...count).map { Int64($0) }
            for quantized in [false, true] {
                let start = clock.now
                let snapshot = VectorSnapshot(chunkIDs: ids, dimensions: 384, rows: matrix, quantized: quantized)
                let build = seconds(clock.now - start)
                var latencies: [Double] = []
                for q in 0..<queries {
                    let query = Array(matrix[(q * 384)..<((q + 1) * 384)])
                    let t = clock.now
                    _ = snapshot.nearest(to: query, k: 10)
                    latencies.append(seconds(clock.now - t) * 1000)
                }
                rows.append(TableRow(what: quantized ? "" : "exact search, \(count) × 384 vectors, top 10",
                                     tool: quantized ? "zhiku (int8 pass, best \(VectorSnapshot.candidateCount(for: 10)) rescored in float32)"
                                         : "zhiku (float32 sgemv, 2 cores)",
                                     value: String(format: "p50 %.2f ms, p99 %.2f ms%@", percentile(latencies, 0.5), percentile(latencies, 0.99),
                                                   quantized ? String(format: "; int8 copy made in %.2f s, +%d MB", build, count * 384 / 1_000_000) : "")))
            }
            if let p = peer("numpy_flat_search.py", [file.path, "\(count)", "\(queries)"]) {
                rows.append(TableRow(what: "", tool: "numpy (M @ q, argpartition)",
                                     value: String(format: "p50 %.2f ms, p99 %.2f ms", p["p50_ms"]!, p["p99_ms"]!)))
            }
            try? FileManager.default.removeItem(at: file)
        }
        return rows
    }

    /// Unit vectors with coordinates uniform in [−1, 1] before normalising.
    static func randomUnitVectors(_ count: Int, seed: UInt64) -> [Float] {
        var r = Corpus.Random(state: seed)
        var matrix = [Float](repeating: 0, count: count * 384)
        for i in 0..<count {
            var norm: Float = 0
            for j in 0..<384 {
                let v = Float(r.next(2001)) / 1000 - 1
                matrix[i * 384 + j] = v
                norm += v * v
            }
            let inverse = 1 / norm.squareRoot()
            for j in 0..<384 { matrix[i * 384 + j] *= inverse }
        }
        return matrix
    }

    /// recall@10 of the int8 pass against float32 exact search, on multilingual-e5-small vectors of the two
    /// retrieval development sets' documents, every query of both sets asked.
    static func recallOnE5(sharedEval: URL) async throws -> [TableRow] {
        let what = "int8 search recall@10 vs float32, real e5 vectors"
        guard let embedder = try? ModelLocation.embedder(E5Embedder.id) else {
            return [TableRow(what: what, tool: "zhiku", value: "multilingual-e5-small not installed (scripts/fetch-models.sh)")]
        }
        var passages: [String] = [], queries: [String] = []
        for name in ["zh-idioms-dev", "bbc-headlines-dev"] {
            guard let set = try? BEIRDataset(folder: sharedEval.appendingPathComponent("retrieval/\(name)")) else {
                return [TableRow(what: what, tool: "zhiku", value: "skipped: ../shared/eval not found")]
            }
            passages += set.corpus.map(\.indexedText)
            queries += set.queries.map(\.text)
        }
        var vectors: [Float] = []
        for start in stride(from: 0, to: passages.count, by: 64) {
            for v in try await embedder.embed(Array(passages[start..<min(passages.count, start + 64)]), as: .passage) { vectors += v }
        }
        var queryVectors: [[Float]] = []
        for start in stride(from: 0, to: queries.count, by: 64) {
            queryVectors += try await embedder.embed(Array(queries[start..<min(queries.count, start + 64)]), as: .query)
        }
        let ids = (0..<passages.count).map { Int64($0) }
        let exact = VectorSnapshot(chunkIDs: ids, dimensions: 384, rows: vectors, quantized: false)
        let int8 = VectorSnapshot(chunkIDs: ids, dimensions: 384, rows: vectors, quantized: true)
        var kept = 0, withoutRescoring = 0
        for query in queryVectors {
            let truth = Set(exact.nearest(to: query, k: 10).map(\.chunkID))
            kept += truth.intersection(int8.nearest(to: query, k: 10).map(\.chunkID)).count
            withoutRescoring += truth.intersection(int8.int8Only(query, k: 10)).count
        }
        let total = Double(10 * queryVectors.count)
        return [TableRow(what: what, tool: "zhiku (\(passages.count) documents, \(queryVectors.count) queries)",
                         value: String(format: "recall@10 %.4f with float32 rescoring of the best %d; %.4f from int8 scores alone",
                                       Double(kept) / total, VectorSnapshot.candidateCount(for: 10), Double(withoutRescoring) / total))]
    }
}
