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
        var top = TopK(k)
        for (row, score) in scores.enumerated() { top.offer(chunkIDs[row], score: Double(score)) }
        return top.results
    }
}
