import COpenBLAS
import Foundation
import CZhikuKernels
import ZhikuCore

/// An immutable matrix of one knowledge base's vectors (row i is chunk `chunkIDs[i]`), searched exhaustively.
///
/// Small snapshots are searched exactly: one matrix–vector product in float32, split between the cores. Large
/// ones (``quantizedFromRows`` rows and more) also keep an int8 copy, one scale per row: a query is first scored
/// against the copy in integers (a quarter of the bytes to read), and the best ``candidateCount(for:)`` rows are
/// scored again in float32, so the scores returned are always the float32 ones; a true top-k row is missed only
/// when its int8 score ranks it outside the candidates (BENCHMARKS.md: recall@10 against float32 on e5 vectors).
public struct VectorSnapshot: Sendable {
    public let chunkIDs: [Chunk.ID]
    public let dimensions: Int
    private let matrix: [Float]
    /// The int8 copy, row-major (empty when the snapshot is searched in float32 only), and each row's scale.
    private let codes: [Int8]
    private let rowScales: [Float]

    /// From this many rows on, a snapshot keeps the int8 copy (when its dimension is a multiple of 32). Below it,
    /// float32 alone is as fast (the matrix stays in cache).
    public static let quantizedFromRows = 20_000
    /// Matrices with at least this many values are searched on two cores.
    static let splitValues = 1 << 21

    /// `rows` holds `chunkIDs.count × dimensions` values, row-major. `quantized` forces the int8 copy on or off
    /// (nil: by size).
    public init(chunkIDs: [Chunk.ID], dimensions: Int, rows: [Float], quantized: Bool? = nil) {
        precondition(rows.count == chunkIDs.count * dimensions)
        self.chunkIDs = chunkIDs
        self.dimensions = dimensions
        matrix = rows
        let quantize = dimensions > 0 && dimensions % 32 == 0 && (quantized ?? (chunkIDs.count >= Self.quantizedFromRows))
        guard quantize else {
            codes = []
            rowScales = []
            return
        }
        var scales = [Float](repeating: 0, count: chunkIDs.count)
        codes = [Int8](unsafeUninitializedCapacity: rows.count) { out, count in
            rows.withUnsafeBufferPointer { m in
                for r in 0..<chunkIDs.count {
                    let row = UnsafeBufferPointer(rebasing: m[(r * dimensions)..<((r + 1) * dimensions)])
                    scales[r] = Self.quantize(row, into: out.baseAddress! + r * dimensions)
                }
            }
            count = rows.count
        }
        rowScales = scales
    }

    /// Whether searches go through the int8 copy first.
    public var isQuantized: Bool { !codes.isEmpty }

    /// How many rows the int8 pass hands to float32 rescoring for `k` results.
    public static func candidateCount(for k: Int) -> Int { max(10 * k, 100) }

    /// The `k` rows most similar to `query` (dot product), best first. With a scope, the `k` best of its rows, in
    /// float32 (every row is scored, so a narrow scope is never starved by the int8 pass's candidates).
    public func nearest(to query: [Float], k: Int, within scope: SearchScope? = nil) -> [ScoredChunk] {
        guard k > 0, !chunkIDs.isEmpty, query.count == dimensions else { return [] }
        if let scope { return exactNearest(query, k: k, within: scope) }
        return isQuantized && k < chunkIDs.count ? quantizedNearest(query, k: k) : exactNearest(query, k: k)
    }

    /// Float32 scores of every row (of the scope's rows when there is one).
    func exactNearest(_ query: [Float], k: Int, within scope: SearchScope? = nil) -> [ScoredChunk] {
        let count = chunkIDs.count, n = dimensions
        var scores = [Float](repeating: 0, count: count)
        matrix.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    nonisolated(unsafe) let m = m.baseAddress!, q = q.baseAddress!, s = s.baseAddress!
                    split(count) { rows in
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows.count), Int32(n), 1, m + rows.lowerBound * n,
                                    Int32(n), q, 1, 0, s + rows.lowerBound, 1)
                    }
                }
            }
        }
        var top = TopK(k)
        for (row, score) in scores.enumerated() where scope?.contains(chunkIDs[row]) ?? true {
            top.offer(chunkIDs[row], score: Double(score))
        }
        return top.results
    }

    /// Int8 scores of every row, then float32 scores of the best candidates.
    func quantizedNearest(_ query: [Float], k: Int) -> [ScoredChunk] {
        var top = TopK(k)
        matrix.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                for candidate in int8Candidates(query, count: Self.candidateCount(for: k)) {
                    let row = Int(candidate.chunkID)
                    top.offer(chunkIDs[row], score: Double(cblas_sdot(Int32(dimensions), m.baseAddress! + row * dimensions, 1, q.baseAddress!, 1)))
                }
            }
        }
        return top.results
    }

    /// The `k` best chunks by their int8 scores alone, without float32 rescoring (to measure what rescoring adds);
    /// empty when the snapshot has no int8 copy.
    public func int8Only(_ query: [Float], k: Int) -> [Chunk.ID] {
        guard isQuantized, query.count == dimensions else { return [] }
        return int8Candidates(query, count: k).map { chunkIDs[Int($0.chunkID)] }
    }

    /// The best `count` rows by int8 score (row numbers in `chunkID`; the scores are unscaled estimates).
    private func int8Candidates(_ query: [Float], count wanted: Int) -> [ScoredChunk] {
        let count = chunkIDs.count, n = dimensions
        var q = [Int8](repeating: 0, count: n)
        _ = query.withUnsafeBufferPointer { Self.quantize($0, into: &q) }
        var dots = [Int32](repeating: 0, count: count)
        codes.withUnsafeBufferPointer { c in
            q.withUnsafeBufferPointer { q in
                dots.withUnsafeMutableBufferPointer { d in
                    nonisolated(unsafe) let c = c.baseAddress!, q = q.baseAddress!, d = d.baseAddress!
                    split(count) { rows in
                        zk_dot_rows_i8(Int32(rows.lowerBound), Int32(rows.upperBound), Int32(n), c, q, d)
                    }
                }
            }
        }
        // The query's own scale is the same for every row, so it does not change the order.
        var coarse = TopK(wanted)
        for row in 0..<count { coarse.offer(Int64(row), score: Double(Float(dots[row]) * rowScales[row])) }
        return coarse.results
    }

    /// Runs `work` over the rows, in two halves on two cores when the matrix is large.
    private func split(_ count: Int, _ work: @Sendable (Range<Int>) -> Void) {
        let parts = count * dimensions >= Self.splitValues ? min(2, ProcessInfo.processInfo.activeProcessorCount) : 1
        if parts == 1 { return work(0..<count) }
        ComputeThreads.concurrentPerform(iterations: parts) { part in
            work((count * part / parts)..<(count * (part + 1) / parts))
        }
    }

    /// Rounds `row` to codes in −127…127 with one scale (max |x| / 127); returns the scale.
    @discardableResult
    static func quantize(_ row: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Int8>) -> Float {
        var largest: Float = 0
        for x in row { largest = max(largest, abs(x)) }
        guard largest > 0 else {
            out.update(repeating: 0, count: row.count)
            return 0
        }
        let inverse = 127 / largest
        for (j, x) in row.enumerated() { out[j] = Int8((x * inverse).rounded()) }
        return largest / 127
    }
}
