import Foundation
import Testing
@testable import ZhikuModels

/// The kernels that multiply straight from quantized codes, against the float32 product of the same dequantized
/// weights.
@Suite struct WeightMatrixTests {
    /// Random GGUF blocks of `encoding` for an [out × in] matrix (scales and minimums as fp16).
    static func blocks(_ encoding: WeightMatrix.Encoding, inFeatures: Int, outFeatures: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        func half(_ v: Float) -> [UInt8] { let b = Float16(v).bitPattern; return [UInt8(b & 0xFF), UInt8(b >> 8)] }
        var bytes: [UInt8] = []
        for _ in 0..<(inFeatures * outFeatures / 32) {
            let d = Float(next() % 1000 + 1) / 40_000
            switch encoding {
            case .q8_0:
                bytes += half(d) + (0..<32).map { _ in UInt8(truncatingIfNeeded: next()) }
            case .q4_0:
                bytes += half(d) + (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }
            case .q4_1:
                bytes += half(d) + half(-d * 8 + Float(next() % 100) / 100_000) + (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }
            case .f32:
                break
            }
        }
        return bytes
    }

    @Test(arguments: [WeightMatrix.Encoding.q8_0, .q4_0, .q4_1])
    func quantizedProductMatchesFloat(_ encoding: WeightMatrix.Encoding) throws {
        let inFeatures = 576, outFeatures = 200
        let bytes = Self.blocks(encoding, inFeatures: inFeatures, outFeatures: outFeatures, seed: 7)
        let matrix = bytes.withUnsafeBytes { WeightMatrix(encoding: encoding, blocks: $0, inFeatures: inFeatures, outFeatures: outFeatures) }
        let weights = matrix.dequantized()
        #expect(matrix.row(3) == Array(weights[(3 * inFeatures)..<(4 * inFeatures)]))
        var x = (0..<inFeatures).map { i in Float(sin(Double(i) * 0.37)) * (i % 50 == 0 ? 8 : 1) }
        x[5] = 0
        let exact = Kernels.matmul(x, rows: 1, inFeatures: inFeatures, weight: weights, outFeatures: outFeatures)
        let quantized = matrix.apply(x, rows: 1)
        let scale = exact.map(abs).max()!
        let worst = zip(exact, quantized).map { abs($0 - $1) }.max()!
        #expect(worst / scale < 1e-5, "float32 rounding only: worst error \(worst) against values up to \(scale)")
        // Several rows at once go through BLAS on the dequantized matrix: the same product.
        let two = matrix.apply(x + x, rows: 2)
        #expect(Array(two[outFeatures...]) == Array(two[..<outFeatures]), "one row at a time, each the same")
        let many = matrix.apply(Array((0..<8).map { _ in x }.joined()), rows: 8)
        #expect(zip(many[0..<outFeatures], exact).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}
