import COpenBLAS
import CZhikuKernels
import Foundation
import ZhikuCore

/// The numeric building blocks of the transformer models, on row-major float32 buffers.
public enum Kernels {
    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// Makes every OpenBLAS call run on the calling thread; callers parallelise across work items themselves.
    public static func useSingleThreadedBLAS() {
        _ = singleThreaded
    }

    /// Zhiku's own products over weights packed in panels (``Linear``).
    public enum PanelProduct: String, Sendable, CaseIterable {
        /// 16 lanes (zhiku_sgemm512.c).
        case avx512
        /// 8 lanes with FMA and F16C (zhiku_panels_avx2.c).
        case avx2

        /// Whether this CPU and operating system run it.
        public var isAvailable: Bool {
            switch self {
            case .avx512: zk_avx512_available() == 1
            case .avx2: zk_avx2_available() == 1
            }
        }
    }

    /// The panel product the encoders' layers use: AVX-512 where the CPU and the operating system run it and
    /// `ZHIKU_AVX512` is not `off`, else AVX2 unless `ZHIKU_AVX2` is `off`, else none (OpenBLAS multiplies).
    public static let panelProduct: PanelProduct? = {
        let environment = ProcessInfo.processInfo.environment
        if environment["ZHIKU_AVX512"] != "off", PanelProduct.avx512.isAvailable { return .avx512 }
        if environment["ZHIKU_AVX2"] != "off", PanelProduct.avx2.isAvailable { return .avx2 }
        return nil
    }()

    /// Whether the ONNX interpreter's convolutions use the AVX-512 product (else OpenBLAS).
    public static var wideProduct: Bool { panelProduct == .avx512 }

    /// The frame of a linear layer's product: `out` starts as the bias in every row, then `accumulate(rows, first,
    /// count, input, out, n)` adds the product for output columns `first..<first + count` — all of them, or with
    /// `parts` > 1 one block per core (each block writes only its own columns); `epilogue(rows, first, count, out,
    /// n)` then runs on the same core over the same columns.
    static func biasedProduct(_ input: [Float], rows m: Int, bias: [Float], parts: Int,
                              epilogue: (@Sendable (Int, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void)?,
                              accumulate: @escaping @Sendable (Int, Int, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
        let n = bias.count
        var out = [Float](repeating: 0, count: m * n)
        out.withUnsafeMutableBufferPointer { o in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<m { (o.baseAddress! + r * n).update(from: b.baseAddress!, count: n) }
            }
        }
        let parts = max(1, min(parts, n / 64))
        input.withUnsafeBufferPointer { a in
            out.withUnsafeMutableBufferPointer { c in
                nonisolated(unsafe) let ap = a.baseAddress!, cp = c.baseAddress!
                let work: @Sendable (Int) -> Void = { part in
                    // Blocks start at multiples of 64 columns (the AVX-512 product's panels).
                    let first = (n * part / parts + 32) / 64 * 64
                    let end = part == parts - 1 ? n : (n * (part + 1) / parts + 32) / 64 * 64
                    accumulate(m, first, end - first, ap, cp, n)
                    epilogue?(m, first, end - first, cp, n)
                }
                ComputeThreads.concurrentPerform(iterations: parts, execute: work)
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

    /// The exact GELU, x·Φ(x), in place (see ``FastMath/gelu(_:)``).
    public static func gelu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { gelu($0.baseAddress!, count: $0.count) }
    }

    /// The exact GELU over `count` floats at `p`, in place (a loop the compiler vectorises).
    static func gelu(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = FastMath.gelu(p[i]) }
    }

    /// Softmax of each row in place. The maximum and the sum run in eight lanes (the compiler does not vectorise a
    /// float reduction by itself, and a scalar chain made this a fifth of Whisper's encoder time); the exponentials
    /// are a plain map it vectorises.
    public static func softmaxRows(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, width: Int) {
        let lanes = width / 8 * 8
        for r in 0..<rows {
            let p = x.baseAddress! + r * width
            let raw = UnsafeMutableRawPointer(p)
            var maxima = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            while i < lanes {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                maxima.replace(with: v, where: v .> maxima)
                i += 8
            }
            var maximum = maxima.max()
            for j in lanes..<width { maximum = max(maximum, p[j]) }
            for j in 0..<width { p[j] = FastMath.exp(p[j] - maximum) }
            var sums = SIMD8<Float>(repeating: 0)
            i = 0
            while i < lanes {
                sums += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            var sum = sums.sum()
            for j in lanes..<width { sum += p[j] }
            let inverse = 1 / sum
            for j in 0..<width { p[j] *= inverse }
        }
    }

    /// Multi-head self-attention for one sequence: `q`, `k`, `v` are [length × heads·headSize] (rows of the
    /// sequence starting at `offset` within the batch buffers, `stride` floats apart: the width, or more where the
    /// three share rows); the result goes to the same rows of `out` (`outStride` floats apart, the width unless
    /// given).
    public static func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                 out: UnsafeMutablePointer<Float>, length: Int, heads: Int, headSize: Int, stride: Int? = nil,
                                 outStride: Int? = nil) {
        let width = heads * headSize, stride = stride ?? width, outStride = outStride ?? width
        let scale = 1 / Float(headSize).squareRoot()
        var scores = [Float](repeating: 0, count: length * length)
        scores.withUnsafeMutableBufferPointer { s in
            for h in 0..<heads {
                let column = h * headSize
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize),
                            scale, q + column, Int32(stride), k + column, Int32(stride), 0, s.baseAddress, Int32(length))
                softmaxRows(s, rows: length, width: length)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length),
                            1, s.baseAddress, Int32(length), v + column, Int32(stride), 0, out + column, Int32(outStride))
            }
        }
    }

    /// Replaces each block of 32 values by its Q8_0 rounding: q = round-half-even(x / d) clamped to ±127/−128
    /// with d = max|x| / 127, then x = q·d. (Rows are multiples of 32 wide, so blocks never straddle rows.)
    public static func roundThroughQ8(_ x: inout [Float], parts: Int = 1) {
        x.withUnsafeMutableBufferPointer { v in
            nonisolated(unsafe) let p = v.baseAddress!
            let count = v.count, blocks = (count + 31) / 32, parts = max(1, min(parts, blocks / 64))
            // With `parts` > 1 the blocks are rounded on as many cores (a query's layers, split like its products).
            let work: @Sendable (Int) -> Void = { part in
                var start = blocks * part / parts * 32
                let stop = min(count, blocks * (part + 1) / parts * 32)
                while start < stop {
                    let end = min(stop, start + 32)
                    var amax: Float = 0
                    for i in start..<end { amax = max(amax, max(p[i], -p[i])) }
                    let d = amax / 127
                    let inverse: Float = d > 0 ? 1 / d : 0
                    for i in start..<end {
                        // |x / d| ≤ 127: adding and subtracting 1.5·2²³ rounds half to even, like lrintf.
                        let q = min(127, max(-128, (p[i] * inverse + 12_582_912) - 12_582_912))
                        p[i] = q * d
                    }
                    start = end
                }
            }
            ComputeThreads.concurrentPerform(iterations: parts, execute: work)
        }
    }

    /// Q4_0 blocks (an fp16 scale, then 16 bytes: byte j holds weight j in its low nibble and weight j + 16 in
    /// its high nibble, each stored +8) dequantised into `out`.
    public static func dequantizeQ4_0(_ blocks: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let base = b * QuantBlock.q4_0.bytes
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

/// `exp` and GELU written as straight-line float code the compiler vectorises inside simple loops. glibc's
/// scalar `expf`/`erff` took a fifth of an embedding pass; these stay within a few units in the last place
/// (relative error below 1e-6).
/// (In this file, not its own: debug builds compile file by file, and only a function in the same file gets
/// inlined into the kernels' loops and vectorised.)
enum FastMath {
    /// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to degree 7, 2^n put in the exponent.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(88.7, Swift.max(-87.3, x))
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa bits.
        let biased = x * 1.442695040888963 + 12_582_912
        let n = biased - 12_582_912
        let r = x - n * 0.693145751953125 - n * 1.428606765330187e-06
        var p: Float = 1 / 5040
        p = p * r + 1 / 720
        p = p * r + 1 / 120
        p = p * r + 1 / 24
        p = p * r + 1 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let twoToN = Float(bitPattern: (biased.bitPattern &- Float(12_582_912).bitPattern &+ 127) &<< 23)
        return p * twoToN
    }

    /// The exact GELU x·Φ(x) = x·(1 − ½·erfc(x/√2)), with erfc from the Chebyshev fit of Numerical Recipes
    /// (fractional error < 1.2e-7); for negative x this is x·½·erfc(|x|/√2), which stays accurate far out.
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        let z = Swift.max(x, -x) * 0.70710678118654752
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.17087277
        p = p * t - 0.82215223
        p = p * t + 1.48851587
        p = p * t - 1.13520398
        p = p * t + 0.27886807
        p = p * t - 0.18628806
        p = p * t + 0.09678418
        p = p * t + 0.37409196
        p = p * t + 1.00002368
        p = p * t - 1.26551223
        let tail = t * exp(p - z * z)  // erfc(|x|/√2)
        return x < 0 ? x * 0.5 * tail : x * (1 - 0.5 * tail)
    }
}

// MARK: - Decoder kernels

extension Kernels {
    /// `out[m×n] = input[m×k] · weight[n×k]ᵀ` (a linear layer without bias).
    public static func matmul(_ input: [Float], rows m: Int, inFeatures k: Int, weight: [Float], outFeatures n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        input.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    if m == 1 {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w.baseAddress, Int32(k),
                                    a.baseAddress, 1, 0, c.baseAddress, 1)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                                    a.baseAddress, Int32(k), w.baseAddress, Int32(k), 0, c.baseAddress, Int32(n))
                    }
                }
            }
        }
        return out
    }

    /// RMS normalisation of each row in place: x / sqrt(mean(x²) + ε) · weight.
    public static func rmsNorm(_ x: inout [Float], rows: Int, width: Int, weight: [Float], epsilon: Float) {
        x.withUnsafeMutableBufferPointer { v in
            let p = v.baseAddress!
            for r in 0..<rows {
                let row = p + r * width
                var sum: Float = 0
                for i in 0..<width { sum += row[i] * row[i] }
                let scale = 1 / (sum / Float(width) + epsilon).squareRoot()
                for i in 0..<width { row[i] = row[i] * scale * weight[i] }
            }
        }
    }

    /// Rotary position embedding. In each head, pair i of the token at position p turns by p · base^(−2i/headSize);
    /// the pair is (x₂ᵢ, x₂ᵢ₊₁) in GGUF's "normal" layout (Llama) and (xᵢ, xᵢ₊headSize/2) in the "NEOX" layout
    /// (Qwen2). The angles' cosines and sines are computed once per token and shared by every head.
    public static func rope(_ x: inout [Float], rows: Int, heads: Int, headSize: Int, firstPosition: Int, base: Float,
                            neox: Bool = false) {
        let half = headSize / 2
        let frequencies = (0..<half).map { Double(base) == 0 ? 0 : pow(Double(base), -2 * Double($0) / Double(headSize)) }
        var cosines = [Float](repeating: 0, count: half), sines = [Float](repeating: 0, count: half)
        let (stride, step) = neox ? (half, 1) : (1, 2)
        x.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let position = Double(firstPosition + r)
                for i in 0..<half {
                    let angle = position * frequencies[i]
                    cosines[i] = Float(cos(angle))
                    sines[i] = Float(sin(angle))
                }
                for h in 0..<heads {
                    let head = v.baseAddress! + r * heads * headSize + h * headSize
                    for i in 0..<half {
                        let at = i * step
                        let a = head[at], b = head[at + stride]
                        head[at] = a * cosines[i] - b * sines[i]
                        head[at + stride] = a * sines[i] + b * cosines[i]
                    }
                }
            }
        }
    }

    /// Causal grouped-query attention of `rows` new queries (positions firstPosition…) over the cached keys and
    /// values of every position so far; query head h reads key–value head h / (heads / kvHeads).
    public static func causalAttention(q: [Float], rows n: Int, keys: [Float], values: [Float], firstPosition: Int,
                                       heads: Int, kvHeads: Int, headSize: Int) -> [Float] {
        attention(q: q, rows: n, keys: keys, values: values, keyRows: firstPosition + n, heads: heads, kvHeads: kvHeads,
                  headSize: headSize, causalFrom: firstPosition)
    }

    /// Attention of `rows` queries over all `keyRows` keys and values, unmasked (an encoder–decoder's
    /// cross-attention).
    public static func crossAttention(q: [Float], rows n: Int, keys: [Float], values: [Float], keyRows: Int, heads: Int,
                                      headSize: Int) -> [Float] {
        attention(q: q, rows: n, keys: keys, values: values, keyRows: keyRows, heads: heads, kvHeads: heads, headSize: headSize,
                  causalFrom: nil)
    }

    /// Bidirectional grouped-query self-attention of one sequence (an encoder's): query r sees every key, or with
    /// `window` only keys j with |r − j| < window (Gemma 3's sliding layers). Runs on the calling thread (encoders
    /// split their batches between the cores already, and ``ComputeThreads`` loops must not nest).
    public static func bidirectionalAttention(q: [Float], rows n: Int, keys: [Float], values: [Float], heads: Int,
                                              kvHeads: Int, headSize: Int, window: Int? = nil) -> [Float] {
        attention(q: q, rows: n, keys: keys, values: values, keyRows: n, heads: heads, kvHeads: kvHeads, headSize: headSize,
                  causalFrom: nil, window: window.flatMap { $0 < n ? $0 : nil }, splitsHeads: false)
    }

    /// Multi-head attention; with `causalFrom`, query r sees keys up to position causalFrom + r only. The heads are
    /// split between the cores when the work is big enough (a prompt), each part with its own score rows; a
    /// causal row's softmax runs over its visible keys only.
    private static func attention(q: [Float], rows n: Int, keys: [Float], values: [Float], keyRows total: Int, heads: Int,
                                  kvHeads: Int, headSize: Int, causalFrom firstPosition: Int?, window: Int? = nil,
                                  splitsHeads: Bool = true) -> [Float] {
        let width = heads * headSize, kvWidth = kvHeads * headSize
        let group = heads / kvHeads
        let scale = 1 / Float(headSize).squareRoot()
        var out = [Float](repeating: 0, count: n * width)
        let parts = splitsHeads && n * total * heads >= 1 << 16 ? min(heads, WeightMatrix.parallelism) : 1
        q.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { o in
                        // Each part writes only its own heads' columns of `out`.
                        nonisolated(unsafe) let qp = q.baseAddress!, kp = k.baseAddress!, vp = v.baseAddress!, op = o.baseAddress!
                        let work: @Sendable (Int) -> Void = { part in
                            var scores = [Float](repeating: 0, count: n * total)
                            scores.withUnsafeMutableBufferPointer { s in
                                for h in (heads * part / parts)..<(heads * (part + 1) / parts) {
                                    let kvColumn = (h / group) * headSize
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(total), Int32(headSize),
                                                scale, qp + h * headSize, Int32(width), kp + kvColumn, Int32(kvWidth), 0,
                                                s.baseAddress, Int32(total))
                                    if let firstPosition {
                                        for r in 0..<n {
                                            let visible = min(total, firstPosition + r + 1)
                                            let row = s.baseAddress! + r * total
                                            softmaxRows(UnsafeMutableBufferPointer(start: row, count: visible), rows: 1, width: visible)
                                            for j in visible..<total { row[j] = 0 }
                                        }
                                    } else if let window {
                                        for r in 0..<n {
                                            let first = max(0, r - window + 1), last = min(total, r + window)
                                            let row = s.baseAddress! + r * total
                                            softmaxRows(UnsafeMutableBufferPointer(start: row + first, count: last - first),
                                                        rows: 1, width: last - first)
                                            for j in 0..<first { row[j] = 0 }
                                            for j in last..<total { row[j] = 0 }
                                        }
                                    } else {
                                        softmaxRows(s, rows: n, width: total)
                                    }
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(headSize), Int32(total),
                                                1, s.baseAddress, Int32(total), vp + kvColumn, Int32(kvWidth),
                                                0, op + h * headSize, Int32(width))
                                }
                            }
                        }
                        ComputeThreads.concurrentPerform(iterations: parts, execute: work)
                    }
                }
            }
        }
        return out
    }

    /// SwiGLU in place: gate ← silu(gate) · up.
    public static func swiglu(_ gate: inout [Float], _ up: [Float]) {
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                let gp = g.baseAddress!, upp = u.baseAddress!
                for i in 0..<g.count {
                    let x = gp[i]
                    gp[i] = x / (1 + FastMath.exp(-x)) * upp[i]
                }
            }
        }
    }
}

extension Kernels {
    /// Gated GELU in place, with GELU's tanh approximation (PyTorch's `gelu(approximate="tanh")`, Gemma's
    /// feed-forward): gate ← ½·g·(1 + tanh(√(2/π)·(g + 0.044715·g³))) · up, with tanh(y) = 1 − 2/(e^{2y} + 1).
    public static func geluTanhGated(_ gate: inout [Float], _ up: [Float]) {
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                let gp = g.baseAddress!, upp = u.baseAddress!
                for i in 0..<g.count {
                    let x = gp[i]
                    let y = 0.7978845608028654 * (x + 0.044715 * x * x * x)
                    let tanh = 1 - 2 / (FastMath.exp(2 * y) + 1)
                    gp[i] = 0.5 * x * (1 + tanh) * upp[i]
                }
            }
        }
    }
}

extension Kernels {
    /// Sets how many threads OpenBLAS uses for one matrix product (benchmarks; the server keeps 1 per worker).
    public static func setBLASThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
