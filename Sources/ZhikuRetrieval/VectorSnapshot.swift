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
        return TopK.select(k, count: chunkIDs.count, score: { Double(scores[$0]) }, id: { chunkIDs[$0] })
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
