import Foundation
import Testing
import ZhikuTestSupport
@testable import ZhikuModels

/// The AVX-512 and AVX2 products over packed weights (float32 and half-float panels) against OpenBLAS over the same weights
/// in PyTorch's layout, on shapes that are not multiples of the panels, one row and many, on one core and split;
/// the stacked query/key/value product and the GELU applied inside the product against their plain forms.
@Suite(.offThePool) struct LinearTests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
    }

    /// out = x·Wᵀ + b in float64.
    static func reference(_ x: [Float], rows: Int, weight: [Float], bias: [Float], inFeatures k: Int) -> [Double] {
        let n = bias.count
        var out = [Double](repeating: 0, count: rows * n)
        for r in 0..<rows {
            for j in 0..<n {
                var sum = Double(bias[j])
                for i in 0..<k { sum += Double(x[r * k + i]) * Double(weight[j * k + i]) }
                out[r * n + j] = sum
            }
        }
        return out
    }

    static func largestDifference(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    }

    static let kernels = Kernels.PanelProduct.allCases.filter(\.isAvailable)

    @Test(arguments: [(1, 200, 77), (7, 384, 384), (50, 1536, 384), (50, 100, 1536), (13, 64, 130)])
    func packedProductsMatchOpenBLAS(_ shape: (Int, Int, Int)) throws {
        guard !Self.kernels.isEmpty else { try Skip.now("this CPU has neither AVX-512 nor AVX2: the packed products do not run here") }
        for kernel in Self.kernels { try Self.expectPackedProducts(shape, kernel) }
    }

    static func expectPackedProducts(_ shape: (Int, Int, Int), _ kernel: Kernels.PanelProduct) throws {
        let (rows, n, k) = shape
        let weight = Self.values(n * k, seed: 3), bias = Self.values(n, seed: 5), x = Self.values(rows * k, seed: 7)
        let expected = Self.reference(x, rows: rows, weight: weight, bias: bias, inFeatures: k)
        let blas = Linear(weight: weight, bias: bias, inFeatures: k, outFeatures: n, precision: .single, kernel: nil)
        let packed = Linear(weight: weight, bias: bias, inFeatures: k, outFeatures: n, precision: .single, kernel: kernel)
        let half = Linear(weight: weight, bias: bias, inFeatures: k, outFeatures: n, precision: .half, kernel: kernel)
        if case .panels = packed.storage {} else { Issue.record("float32 weights were not packed") }
        if case .halfPanels = half.storage {} else { Issue.record("half-precision weights were not packed") }
        #expect(half.weightBytes * 2 == packed.weightBytes)
        // Half floats: each weight is off by at most 2^-11 of itself, so a sum of k products of inputs ≤ 1 by at most
        // k · 2^-11 · max|w|; float32 sums are off by about k · 2^-24 per product.
        let floatBound = Double(k) * 1e-6, halfBound = Double(k) * 1.0 / 2048
        for parts in [1, 2] {
            let a = blas(x, rows: rows, parts: parts), b = packed(x, rows: rows, parts: parts), c = half(x, rows: rows, parts: parts)
            #expect(Self.largestDifference(a, expected) < floatBound, "OpenBLAS, \(parts) part(s)")
            #expect(Self.largestDifference(b, expected) < floatBound, "packed float32, \(kernel), \(parts) part(s)")
            let halfError = Self.largestDifference(c, expected)
            #expect(halfError < halfBound && halfError > 0, "half floats, \(kernel), \(parts) part(s): \(halfError)")
        }
    }

    @Test func stackedLayersAndTheFusedGELUGiveWhatTheyReplace() throws {
        let k = 96
        for kernel in [nil] + Self.kernels.map(Optional.some) {
            for precision in [Linear.Precision.single, .half] where kernel != nil || precision == .single {
                let layers = [70, 64, 33].enumerated().map { index, n in
                    Linear(weight: Self.values(n * k, seed: UInt64(11 + index)), bias: Self.values(n, seed: UInt64(21 + index)),
                           inFeatures: k, outFeatures: n, precision: precision, kernel: kernel)
                }
                let stacked = Linear.stacked(layers)
                #expect(stacked.outFeatures == 167 && stacked.inFeatures == k)
                let x = Self.values(5 * k, seed: 9)
                let joined = stacked(x, rows: 5, parts: 2)
                let separate = layers.map { $0(x, rows: 5) }
                for r in 0..<5 {
                    let expected = separate.flatMap { part in part[(r * part.count / 5)..<((r + 1) * part.count / 5)] }
                    // Same products; only the summation order may differ where the column blocks fall differently.
                    let difference = zip(joined[(r * 167)..<((r + 1) * 167)], expected).map { abs($0 - $1) }.max() ?? 0
                    #expect(difference < 1e-5, "row \(r), \(String(describing: kernel)), \(precision)")
                }
                var plain = layers[0](x, rows: 5)
                Kernels.gelu(&plain)
                let fused = layers[0](x, rows: 5, parts: 2, activation: .gelu)
                #expect(zip(fused, plain).allSatisfy { abs($0 - $1) < 1e-5 } && fused != layers[0](x, rows: 5))
            }
        }
    }
}
