import Foundation
import Testing
import ZhikuCore
@testable import ZhikuRetrieval

@Suite struct VectorSnapshotTests {
    /// Unit vectors that all lie close to one direction (pairwise cosines around 0.8, as e5's do), so that int8
    /// rounding errors are of the size of the gaps between neighbours' scores.
    static func clustered(_ count: Int, dimensions: Int, seed: UInt64) -> [Float] {
        var state = seed
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        let center = (0..<dimensions).map { _ in uniform() }
        var rows = [Float](repeating: 0, count: count * dimensions)
        for r in 0..<count {
            var norm: Float = 0
            for j in 0..<dimensions {
                let v = center[j] + 0.55 * uniform()
                rows[r * dimensions + j] = v
                norm += v * v
            }
            let inverse = 1 / norm.squareRoot()
            for j in 0..<dimensions { rows[r * dimensions + j] *= inverse }
        }
        return rows
    }

    /// The top k by plain float loops (score descending, then row).
    static func bruteForce(_ rows: [Float], dimensions: Int, query: [Float], k: Int) -> [(Int, Float)] {
        let count = rows.count / dimensions
        let scores = (0..<count).map { r in (0..<dimensions).reduce(Float(0)) { $0 + rows[r * dimensions + $1] * query[$1] } }
        return scores.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(k).map { ($0.offset, $0.element) }
    }

    @Test func exactSearchOnTwoCoresMatchesPlainLoops() {
        let dimensions = 384, count = 6_000  // 2.3 M values: split between the cores
        let rows = Self.clustered(count, dimensions: dimensions, seed: 1)
        let snapshot = VectorSnapshot(chunkIDs: (0..<count).map { Int64($0) + 1000 }, dimensions: dimensions, rows: rows)
        #expect(!snapshot.isQuantized)
        for q in [3, 4_500] {
            let query = Array(rows[(q * dimensions)..<((q + 1) * dimensions)])
            let found = snapshot.nearest(to: query, k: 10)
            let expected = Self.bruteForce(rows, dimensions: dimensions, query: query, k: 10)
            #expect(found.map(\.chunkID) == expected.map { Int64($0.0) + 1000 })
            for (hit, want) in zip(found, expected) { #expect(abs(hit.score - Double(want.1)) < 1e-4) }
        }
    }

    @Test func int8SearchKeepsTheFloatTopTenAndFloatScores() {
        let dimensions = 384, count = 30_000
        let rows = Self.clustered(count, dimensions: dimensions, seed: 7)
        let snapshot = VectorSnapshot(chunkIDs: (0..<count).map { Int64($0) }, dimensions: dimensions, rows: rows)
        #expect(snapshot.isQuantized, "a snapshot of \(count) rows keeps the int8 copy")
        let exact = VectorSnapshot(chunkIDs: (0..<count).map { Int64($0) }, dimensions: dimensions, rows: rows, quantized: false)
        let queries = Self.clustered(50, dimensions: dimensions, seed: 99)
        var kept = 0
        for q in 0..<50 {
            let query = Array(queries[(q * dimensions)..<((q + 1) * dimensions)])
            let truth = exact.nearest(to: query, k: 10)
            let found = snapshot.nearest(to: query, k: 10)
            kept += Set(found.map(\.chunkID)).intersection(truth.map(\.chunkID)).count
            // Whatever was found carries its float32 score, not the int8 estimate.
            let truthScores = Dictionary(uniqueKeysWithValues: exact.nearest(to: query, k: 300).map { ($0.chunkID, $0.score) })
            for hit in found { if let score = truthScores[hit.chunkID] { #expect(abs(hit.score - score) < 1e-5) } }
        }
        let recall = Double(kept) / 500
        #expect(recall >= 0.99, "recall@10 of the int8 pass plus rescoring: \(recall)")
    }

    @Test func smallOrOddSnapshotsStayFloat() {
        let rows = Self.clustered(100, dimensions: 384, seed: 3)
        #expect(!VectorSnapshot(chunkIDs: (0..<100).map { Int64($0) }, dimensions: 384, rows: rows).isQuantized)
        let odd = Self.clustered(30_000, dimensions: 3, seed: 4)
        #expect(!VectorSnapshot(chunkIDs: (0..<30_000).map { Int64($0) }, dimensions: 3, rows: odd).isQuantized)
        // Forced on, with fewer rows than candidates: every row is rescored, so the result is the exact one.
        let forced = VectorSnapshot(chunkIDs: (0..<100).map { Int64($0) }, dimensions: 384, rows: rows, quantized: true)
        #expect(forced.isQuantized)
        let query = Array(rows[0..<384])
        #expect(forced.nearest(to: query, k: 5).map(\.chunkID)
                == Self.bruteForce(rows, dimensions: 384, query: query, k: 5).map { Int64($0.0) })
    }

    @Test func roundingUsesTheRowsLargestValue() {
        let row: [Float] = [0.5, -1, 0.25, 0] + [Float](repeating: 0, count: 28)
        var codes = [Int8](repeating: 0, count: 32)
        let scale = row.withUnsafeBufferPointer { VectorSnapshot.quantize($0, into: &codes) }
        #expect(abs(scale - 1 / 127) < 1e-7)
        #expect(Array(codes.prefix(4)) == [64, -127, 32, 0])
        let zero = [Float](repeating: 0, count: 32)
        #expect(zero.withUnsafeBufferPointer { VectorSnapshot.quantize($0, into: &codes) } == 0)
        #expect(codes.allSatisfy { $0 == 0 })
    }
}
