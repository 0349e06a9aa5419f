import COpenBLAS
import Foundation

/// The numeric building blocks of the transformer models, on row-major float32 buffers.
public enum Kernels {
    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// Makes every OpenBLAS call run on the calling thread; callers parallelise across work items themselves.
    public static func useSingleThreadedBLAS() {
        _ = singleThreaded
    }

    /// `out[m×n] = input[m×k] · weight[n×k]ᵀ + bias[n]` (a linear layer with PyTorch's weight layout).
    public static func linear(_ input: [Float], rows m: Int, inFeatures k: Int, weight: [Float], bias: [Float],
                              outFeatures n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<m { for c in 0..<n { o[r * n + c] = bias[c] } }
        }
        input.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                                a.baseAddress, Int32(k), w.baseAddress, Int32(k), 1, c.baseAddress, Int32(n))
                }
            }
        }
        return out
    }

    /// Layer normalisation of each row of `x` in place.
    public static func layerNorm(_ x: inout [Float], rows: Int, width: Int, gamma: [Float], beta: [Float],
                                 epsilon: Float) {
        x.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let base = r * width
                var mean: Float = 0
                for i in 0..<width { mean += v[base + i] }
                mean /= Float(width)
                var variance: Float = 0
                for i in 0..<width {
                    let d = v[base + i] - mean
                    variance += d * d
                }
                variance /= Float(width)
                let scale = 1 / (variance + epsilon).squareRoot()
                for i in 0..<width { v[base + i] = (v[base + i] - mean) * scale * gamma[i] + beta[i] }
            }
        }
    }

    /// The exact GELU, x·Φ(x), in place.
    public static func gelu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = 0.5 * v[i] * (1 + erff(v[i] * 0.70710678118654752)) }
        }
    }

    /// Softmax of each row in place.
    public static func softmaxRows(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let base = r * width
            var maximum = -Float.infinity
            for i in 0..<width { maximum = max(maximum, x[base + i]) }
            var sum: Float = 0
            for i in 0..<width {
                let e = expf(x[base + i] - maximum)
                x[base + i] = e
                sum += e
            }
            for i in 0..<width { x[base + i] /= sum }
        }
    }

    /// Multi-head self-attention for one sequence: `q`, `k`, `v` are [length × heads·headSize] (rows of the
    /// sequence starting at `offset` within the batch buffers); the result goes to the same rows of `out`.
    public static func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>, length: Int, heads: Int, headSize: Int) {
        let width = heads * headSize
        let scale = 1 / Float(headSize).squareRoot()
        var scores = [Float](repeating: 0, count: length * length)
        scores.withUnsafeMutableBufferPointer { s in
            for h in 0..<heads {
                let column = h * headSize
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize),
                            scale, q + column, Int32(width), k + column, Int32(width), 0, s.baseAddress, Int32(length))
                softmaxRows(s, rows: length, width: length)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length),
                            1, s.baseAddress, Int32(length), v + column, Int32(width), 0, out + column, Int32(width))
            }
        }
    }

    /// Replaces each block of 32 values by its Q8_0 rounding: q = round-half-even(x / d) clamped to ±127/−128
    /// with d = max|x| / 127, then x = q·d. (Rows are multiples of 32 wide, so blocks never straddle rows.)
    public static func roundThroughQ8(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { v in
            var start = 0
            while start < v.count {
                let end = min(v.count, start + 32)
                var amax: Float = 0
                for i in start..<end { amax = max(amax, abs(v[i])) }
                let d = amax / 127
                let inverse: Float = d > 0 ? 1 / d : 0
                for i in start..<end {
                    // |x / d| ≤ 127: adding and subtracting 1.5·2²³ rounds half to even, like lrintf.
                    let q = min(127, max(-128, (v[i] * inverse + 12_582_912) - 12_582_912))
                    v[i] = q * d
                }
                start = end
            }
        }
    }

    /// Q4_0 blocks (an fp16 scale, then 16 bytes: byte j holds weight j in its low nibble and weight j + 16 in
    /// its high nibble, each stored +8) dequantised into `out`.
    public static func dequantizeQ4_0(_ blocks: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let base = b * 18
            let bits = UInt16(blocks[base]) | UInt16(blocks[base + 1]) << 8
            let d = Float(Float16(bitPattern: bits))
            for j in 0..<16 {
                let byte = blocks[base + 2 + j]
                out[b * 32 + j] = Float(Int(byte & 0x0F) - 8) * d
                out[b * 32 + j + 16] = Float(Int(byte >> 4) - 8) * d
            }
        }
    }

    /// Scales `v` to unit length (a zero vector stays zero).
    public static func normalize(_ v: inout [Float]) {
        var sum: Float = 0
        for x in v { sum += x * x }
        guard sum > 0 else { return }
        let inverse = 1 / sum.squareRoot()
        for i in v.indices { v[i] *= inverse }
    }
}
