import Foundation
import Testing
import ZhikuTestSupport
@testable import ZhikuModels

/// The kernels that multiply straight from quantized codes, against the float32 product of the same dequantized
/// weights.
@Suite(.offThePool) struct WeightMatrixTests {
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
            case .q5_0:
                bytes += half(d) + (0..<20).map { _ in UInt8(truncatingIfNeeded: next()) }
            case .f32, .q4_K, .q6_K:
                break  // the k-quants come from the reference fixture below
            }
        }
        return bytes
    }

    @Test(arguments: [WeightMatrix.Encoding.q8_0, .q5_0, .q4_0, .q4_1])
    func quantizedProductMatchesFloat(_ encoding: WeightMatrix.Encoding) throws {
        let inFeatures = 576, outFeatures = 200
        let bytes = Self.blocks(encoding, inFeatures: inFeatures, outFeatures: outFeatures, seed: 7)
        let matrix = bytes.withUnsafeBytes { WeightMatrix(encoding: encoding, blocks: $0, inFeatures: inFeatures, outFeatures: outFeatures) }
        let weights = matrix.dequantized()
        #expect(matrix.row(3) == Array(weights[(3 * inFeatures)..<(4 * inFeatures)]))
        var x = (0..<inFeatures).map { i in Float(sin(Double(i) * 0.37)) * (i % 50 == 0 ? 8 : 1) }
        x[5] = 0
        // One row is multiplied in integers after rounding the input to 8 bits per block of 32: exactly the float
        // product of the rounded input, up to float summation order.
        var rounded = x
        Kernels.roundThroughQ8(&rounded)
        let expected = Kernels.matmul(rounded, rows: 1, inFeatures: inFeatures, weight: weights, outFeatures: outFeatures)
        let quantized = matrix.apply(x, rows: 1)
        let scale = expected.map(abs).max()!
        let worst = zip(expected, quantized).map { abs($0 - $1) }.max()!
        #expect(worst / scale < 1e-5, "float32 rounding only: worst error \(worst) against values up to \(scale)")
        let exact = Kernels.matmul(x, rows: 1, inFeatures: inFeatures, weight: weights, outFeatures: outFeatures)
        let inputRounding = zip(exact, quantized).map { abs($0 - $1) }.max()!
        // The input has 8× outliers, which make its blocks' 8-bit steps coarse; a few per cent is what 8-bit inputs
        // (llama.cpp's too) cost on such rows.
        #expect(inputRounding / scale < 5e-2, "8-bit inputs stay close to float inputs: \(inputRounding)")
        let exactPath = matrix.apply(x, rows: 1, exactInputs: true)
        let exactWorst = zip(exact, exactPath).map { abs($0 - $1) }.max()!
        #expect(exactWorst / scale < 1e-5, "float inputs: float32 rounding only, \(exactWorst)")
        // Several rows at once go through BLAS on the dequantized matrix: the same product.
        let two = matrix.apply(x + x, rows: 2)
        #expect(Array(two[outFeatures...]) == Array(two[..<outFeatures]), "one row at a time, each the same")
        let many = matrix.apply(Array((0..<8).map { _ in x }.joined()), rows: 8)
        #expect(zip(many[0..<outFeatures], exact).allSatisfy { abs($0 - $1) <= 1e-5 * scale })
    }
}

extension WeightMatrixTests {
    /// A prompt's rows on AMX tiles (inputs and weights rounded to bfloat16, sums in float32) against the float32
    /// product of the same dequantized weights; row counts that fill, and that do not fill, the 32-row tiles.
    @Test(arguments: [WeightMatrix.Encoding.q8_0, .q5_0, .q4_0, .q4_1, .q6_K, .f32])
    func promptRowsOnTilesMatchTheFloatProduct(_ encoding: WeightMatrix.Encoding) throws {
        guard WeightMatrix.tilesAvailable else {
            try Skip.now("this CPU (or kernel) has no AMX tiles; prompts use BLAS")
        }
        let inFeatures: Int, outFeatures = 64
        let matrix: WeightMatrix
        switch encoding {
        case .q6_K:
            // The reference blocks (two rows of 256) repeated into 64 rows.
            let c = try #require(try KQuantsTests.fixture()["q6_K"])
            let bytes = [UInt8](Array(repeating: [UInt8](Data(base64Encoded: c.blocks_base64)!), count: 32).joined())
            inFeatures = 256
            matrix = bytes.withUnsafeBytes { WeightMatrix(encoding: .q6_K, blocks: $0, inFeatures: 256, outFeatures: outFeatures) }
        case .f32:
            inFeatures = 576
            matrix = WeightMatrix(floats: (0..<(inFeatures * outFeatures)).map { Float(sin(Double($0) * 0.013)) / 8 },
                                  inFeatures: inFeatures, outFeatures: outFeatures)
        default:
            inFeatures = 576
            let bytes = Self.blocks(encoding, inFeatures: inFeatures, outFeatures: outFeatures, seed: 11)
            matrix = bytes.withUnsafeBytes { WeightMatrix(encoding: encoding, blocks: $0, inFeatures: inFeatures, outFeatures: outFeatures) }
        }
        let weights = matrix.dequantized()
        for rows in [5, 32, 45, 70] {
            let x = (0..<(rows * inFeatures)).map { i in Float(sin(Double(i) * 0.37 + Double(i / inFeatures))) }
            let expected = Kernels.matmul(x, rows: rows, inFeatures: inFeatures, weight: weights, outFeatures: outFeatures)
            let tiles = matrix.apply(x, rows: rows)
            #expect(tiles.count == expected.count)
            let scale = expected.map(abs).max()!
            // bfloat16 keeps 8 significant bits of each factor (each rounded by at most 2⁻⁹ of itself), so an
            // output is off by at most about 2⁻⁸ of Σ|x|·|w| — its size had no terms cancelled.
            let magnitude = Kernels.matmul(x.map(abs), rows: rows, inFeatures: inFeatures, weight: weights.map(abs), outFeatures: outFeatures)
            let worst = zip(zip(expected, tiles), magnitude).map { abs($0.0 - $0.1) / $1 }.max()!
            #expect(worst < 1.0 / 256, "\(rows) rows: worst error \(worst) of the products' magnitude")
            #expect(worst > 0, "the tiles were used (bfloat16 rounding shows)")
            let exact = matrix.apply(x, rows: rows, exactInputs: true)
            let exactWorst = zip(expected, exact).map { abs($0 - $1) }.max()!
            #expect(exactWorst / scale < 1e-5, "float inputs keep the float32 product: \(exactWorst)")
        }
    }
}

/// Q4_K and Q6_K decoding against the `gguf` Python package's own dequantization of the same random blocks
/// (Fixtures/kquants.json, written by gguf 0.19.0 from PyPI).
@Suite(.offThePool) struct KQuantsTests {
    struct Case: Decodable {
        var blocks_base64: String
        var values: [Float]
    }

    static func fixture() throws -> [String: Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/kquants.json")
        struct File: Decodable { var q4_K: Case; var q6_K: Case }
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return ["q4_K": file.q4_K, "q6_K": file.q6_K]
    }

    @Test(arguments: [WeightMatrix.Encoding.q4_K, .q6_K])
    func decodesLikeTheReferenceAndMultipliesFromTheCodes(_ encoding: WeightMatrix.Encoding) throws {
        let c = try #require(try Self.fixture()[encoding == .q4_K ? "q4_K" : "q6_K"])
        let bytes = [UInt8](Data(base64Encoded: c.blocks_base64)!)
        #expect(c.values.count == 512)
        let decoded = bytes.withUnsafeBytes {
            WeightMatrix(encoding: encoding, blocks: $0, inFeatures: 512, outFeatures: 1).dequantized()
        }
        let worst = zip(decoded, c.values).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(worst < 1e-6, "worst relative difference \(worst)")

        // Two rows of 256: the matrix keeps the codes and gives the same rows and products.
        let matrix = bytes.withUnsafeBytes { WeightMatrix(encoding: encoding, blocks: $0, inFeatures: 256, outFeatures: 2) }
        #expect(zip(matrix.row(1), c.values[256...]).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
        let x = (0..<256).map { Float(cos(Double($0) * 0.11)) }
        let product = matrix.apply(x, rows: 1)
        var rounded = x
        Kernels.roundThroughQ8(&rounded)  // one row is multiplied from 8-bit inputs
        for r in 0..<2 {
            let expected = (0..<256).reduce(Float(0)) { $0 + c.values[r * 256 + $1] * rounded[$1] }
            #expect(abs(product[r] - expected) <= 1e-4 * max(1, abs(expected)))
        }
    }
}
