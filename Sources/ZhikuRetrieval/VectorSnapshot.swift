import COpenBLAS
import ZhikuCore

/// An immutable matrix of one knowledge base's vectors (row i is chunk `chunkIDs[i]`), searched exactly with
/// one matrix–vector product.
public struct VectorSnapshot: Sendable {
    public let chunkIDs: [Chunk.ID]
    public let dimensions: Int
    private let matrix: [Float]

    /// `rows` holds `chunkIDs.count × dimensions` values, row-major.
    public init(chunkIDs: [Chunk.ID], dimensions: Int, rows: [Float]) {
        precondition(rows.count == chunkIDs.count * dimensions)
        self.chunkIDs = chunkIDs
        self.dimensions = dimensions
        matrix = rows
    }

    public func nearest(to query: [Float], k: Int) -> [ScoredChunk] {
        guard k > 0, !chunkIDs.isEmpty, query.count == dimensions else { return [] }
        var scores = [Float](repeating: 0, count: chunkIDs.count)
        matrix.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(chunkIDs.count), Int32(dimensions), 1,
                                m.baseAddress, Int32(dimensions), q.baseAddress, 1, 0, s.baseAddress, 1)
                }
            }
        }
        // Top k in one pass: most rows fall below the current k-th score and cost one comparison.
        var best: [(score: Float, row: Int)] = []
        best.reserveCapacity(k + 1)
        var threshold = -Float.infinity
        scores.withUnsafeBufferPointer { s in
            for row in 0..<s.count {
                let score = s[row]
                if best.count == k && score < threshold { continue }
                let candidate = (score: score, row: row)
                let position = best.firstIndex { candidate.score > $0.score || (candidate.score == $0.score && chunkIDs[row] < chunkIDs[$0.row]) } ?? best.count
                if position >= k { continue }
                best.insert(candidate, at: position)
                if best.count > k { best.removeLast() }
                if best.count == k { threshold = best[k - 1].score }
            }
        }
        return best.map { ScoredChunk(chunkID: chunkIDs[$0.row], score: Double($0.score)) }
    }
}

/// Selection of the best `k` candidates by (score descending, id ascending).
enum TopK {
    static func select(_ k: Int, count: Int, score: (Int) -> Double, id: (Int) -> Chunk.ID) -> [ScoredChunk] {
        var best: [ScoredChunk] = []
        best.reserveCapacity(k + 1)
        for i in 0..<count {
            let candidate = ScoredChunk(chunkID: id(i), score: score(i))
            if best.count == k, let last = best.last, !precedes(candidate, last) { continue }
            let position = best.firstIndex { precedes(candidate, $0) } ?? best.count
            best.insert(candidate, at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    static func precedes(_ a: ScoredChunk, _ b: ScoredChunk) -> Bool {
        a.score != b.score ? a.score > b.score : a.chunkID < b.chunkID
    }
}
