import COpenBLAS
import CZhikuKernels
import Foundation
import ZhikuCore

/// A weight matrix `[out × in]` (row-major, PyTorch's layout) kept in the encoding its file stores: float32, or
/// 8-/5-/4-bit blocks along a row (GGUF's Q8_0, Q5_0, Q4_0, Q4_1, and the k-quants Q4_K, Q6_K held in the smaller
/// groups the kernels use), with the block scales unpacked to float32 at load so the kernels read only codes and
/// floats.
///
/// One input row (generating a token) is multiplied straight from the codes in integers, the input rounded to
/// 8 bits per block of 32 as llama.cpp does (``CZhikuKernels``). Several rows (a prompt) are multiplied on AMX
/// tiles in bfloat16 where the CPU has them, else by dequantizing the matrix and calling BLAS with float32 inputs.
/// Big matrices are split between two cores either way.
public struct WeightMatrix: Sendable {
    public enum Encoding: Sendable, Equatable {
        case f32
        case q8_0
        case q4_0
        case q4_1
        /// Held as signed 8-bit codes (−16…15) with one scale per 32, like Q8_0.
        case q5_0
        /// Held as Q4_1 groups of 32 (exact: see ``KQuants``).
        case q4_K
        /// Held as signed 8-bit codes with one scale per 16.
        case q6_K

        /// Values per scale in memory.
        var group: Int { self == .q6_K ? 16 : 32 }
        var isFourBit: Bool { self == .q4_0 || self == .q4_1 || self == .q4_K }
    }

    public let encoding: Encoding
    public let inFeatures: Int
    public let outFeatures: Int
    /// f32: the values. Quantized: one scale per block.
    private let floats: [Float]
    /// Q4_1 (and Q4_0, as −8·scale): one minimum per block.
    private let mins: [Float]
    /// Q8_0: 32 signed bytes per block; Q6_K: 16 per group. Q4_0/Q4_1/Q4_K: 16 bytes per block of 32, value j in
    /// the low nibble of byte j and value j + 16 in its high nibble.
    private let codes: [UInt8]

    /// Input rows up to this many are multiplied one by one from the codes; more go through BLAS.
    static let quantizedRowLimit = 4
    /// Matrices with at least this many weights are multiplied on `parallelism` cores.
    static let splitThreshold = 1 << 18
    static let parallelism = min(2, ProcessInfo.processInfo.activeProcessorCount)

    public init(floats: [Float], inFeatures: Int, outFeatures: Int) {
        precondition(floats.count == inFeatures * outFeatures)
        encoding = .f32
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.floats = floats
        mins = []
        codes = []
    }

    /// A quantized matrix from GGUF blocks (`bytes`: the tensor's data; `inFeatures` a multiple of 32, of 256 for
    /// the k-quants).
    init(encoding: Encoding, blocks bytes: UnsafeRawBufferPointer, inFeatures: Int, outFeatures: Int) {
        precondition(encoding != .f32 && inFeatures % 32 == 0)
        self.encoding = encoding
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let count = inFeatures * outFeatures / encoding.group
        func half(_ offset: Int) -> Float {
            Float(Float16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8))
        }
        var scales = [Float](repeating: 0, count: count)
        var minimums: [Float] = []
        var packed: [UInt8]
        switch encoding {
        case .q8_0:
            packed = [UInt8](repeating: 0, count: count * 32)
            for b in 0..<count {
                let o = b * QuantBlock.q8_0.bytes
                scales[b] = half(o)
                for j in 0..<32 { packed[b * 32 + j] = bytes[o + 2 + j] }
            }
        case .q5_0:
            // fp16 d, 32 high bits, 16 bytes of low nibbles: value j = d·((low | high << 4) − 16), j + 16 in the high nibble.
            packed = [UInt8](repeating: 0, count: count * 32)
            for b in 0..<count {
                let o = b * QuantBlock.q5_0.bytes
                scales[b] = half(o)
                let high = UInt32(bytes[o + 2]) | UInt32(bytes[o + 3]) << 8 | UInt32(bytes[o + 4]) << 16 | UInt32(bytes[o + 5]) << 24
                for j in 0..<16 {
                    let byte = bytes[o + 6 + j]
                    let low = Int(byte & 0x0F) | Int((high >> UInt32(j)) & 1) << 4
                    let upper = Int(byte >> 4) | Int((high >> UInt32(j + 16)) & 1) << 4
                    packed[b * 32 + j] = UInt8(bitPattern: Int8(low - 16))
                    packed[b * 32 + j + 16] = UInt8(bitPattern: Int8(upper - 16))
                }
            }
        case .q4_0, .q4_1:
            // Q4_0 (values d·(q − 8)) is kept as Q4_1 with the minimum −8·d, so both share one kernel.
            let stride = (encoding == .q4_0 ? QuantBlock.q4_0 : QuantBlock.q4_1).bytes, header = stride - 16
            packed = [UInt8](repeating: 0, count: count * 16)
            minimums = [Float](repeating: 0, count: count)
            for b in 0..<count {
                scales[b] = half(b * stride)
                minimums[b] = encoding == .q4_0 ? -8 * scales[b] : half(b * stride + 2)
                for j in 0..<16 { packed[b * 16 + j] = bytes[b * stride + header + j] }
            }
        case .q4_K:
            packed = [UInt8](repeating: 0, count: count * 16)
            minimums = [Float](repeating: 0, count: count)
            for superBlock in 0..<(count / 8) {
                KQuants.q4K(bytes.baseAddress! + superBlock * KQuants.q4KBytes) { i, scale, minimum, values in
                    let b = superBlock * 8 + i
                    scales[b] = scale
                    minimums[b] = minimum
                    for j in 0..<16 { packed[b * 16 + j] = values[j] | values[j + 16] << 4 }
                }
            }
        case .q6_K:
            packed = [UInt8](repeating: 0, count: count * 16)
            for superBlock in 0..<(count / 16) {
                KQuants.q6K(bytes.baseAddress! + superBlock * KQuants.q6KBytes) { i, scale, values in
                    let g = superBlock * 16 + i
                    scales[g] = scale
                    for j in 0..<16 { packed[g * 16 + j] = UInt8(bitPattern: values[j]) }
                }
            }
        case .f32:
            fatalError("unreachable")
        }
        floats = scales
        mins = minimums
        codes = packed
    }

    /// `x · Wᵀ` for `rows` input rows of `inFeatures` values. With `exactInputs`, single rows are multiplied
    /// from float32 inputs instead of 8-bit ones (slower; for checks against float references).
    public func apply(_ x: [Float], rows: Int, exactInputs: Bool = false) -> [Float] {
        precondition(x.count == rows * inFeatures)
        if rows > Self.quantizedRowLimit, !exactInputs, Self.tilesAvailable, inFeatures % 32 == 0, outFeatures % 32 == 0 {
            // Every element is written by the tiles (no zeroing of a big output first).
            return [Float](unsafeUninitializedCapacity: rows * outFeatures) { buffer, count in
                applyOnTiles(x, rows: rows, into: buffer)
                count = rows * outFeatures
            }
        }
        var out = [Float](repeating: 0, count: rows * outFeatures)
        if rows <= Self.quantizedRowLimit && encoding != .f32 {
            out.withUnsafeMutableBufferPointer { o in
                x.withUnsafeBufferPointer { input in
                    for r in 0..<rows {
                        multiplyRow(input.baseAddress! + r * inFeatures, into: o.baseAddress! + r * outFeatures, exact: exactInputs)
                    }
                }
            }
            return out
        }
        // BLAS, the matrix's rows split between the cores: each part dequantizes its rows and multiplies them into
        // its own columns of the output.
        let parts = outFeatures * inFeatures >= Self.splitThreshold ? Self.parallelism : 1
        Kernels.useSingleThreadedBLAS()
        x.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { o in
                nonisolated(unsafe) let a = input.baseAddress!, c = o.baseAddress!
                let matrix = self, n = outFeatures, k = inFeatures
                let work: @Sendable (Int) -> Void = { part in
                    let range = (n * part / parts)..<(n * (part + 1) / parts)
                    let multiply = { (w: UnsafePointer<Float>) in
                        if rows == 1 {
                            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(range.count), Int32(k), 1, w,
                                        Int32(k), a, 1, 0, c + range.lowerBound, 1)
                        } else {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(range.count), Int32(k), 1,
                                        a, Int32(k), w, Int32(k), 0, c + range.lowerBound, Int32(n))
                        }
                    }
                    if matrix.encoding == .f32 {
                        matrix.floats.withUnsafeBufferPointer { multiply($0.baseAddress! + range.lowerBound * k) }
                    } else {
                        // The dequantized rows go into a kept buffer (see ``ScratchBuffers``).
                        ScratchBuffers.shared.withBuffer(count: range.count * k) { w in
                            matrix.dequantize(rows: range, into: w)
                            multiply(w)
                        }
                    }
                }
                ComputeThreads.concurrentPerform(iterations: parts, execute: work)
            }
        }
        return out
    }

    /// Whether prompts are multiplied on AMX tiles (Intel CPUs since Sapphire Rapids, with a kernel that allows
    /// them; `ZHIKU_AMX=off` turns it off).
    static let tilesAvailable = zk_amx_available() != 0

    /// `x · Wᵀ` on AMX tiles: the input rows and each part's weights (dequantized) rounded to bfloat16, products
    /// summed in float32, about twice BLAS's float32 speed here. The matrix's rows are split between the cores in
    /// multiples of 32.
    private func applyOnTiles(_ x: [Float], rows: Int, into o: UnsafeMutableBufferPointer<Float>) {
        let k = inFeatures, n = outFeatures
        let padded = (rows + 31) / 32 * 32
        let parts = n * k >= Self.splitThreshold ? Self.parallelism : 1
        let blocks = n / 32
        x.withUnsafeBufferPointer { input in
            ScratchBuffers.shared.withBuffer(count: (padded * k + 1) / 2) { aFloats in
                let a = UnsafeMutableRawPointer(aFloats).assumingMemoryBound(to: UInt16.self)
                zk_amx_pack_a(input.baseAddress!, Int32(rows), Int32(padded), Int32(k), a)
                nonisolated(unsafe) let ap = a, c = o.baseAddress!
                let matrix = self
                let work: @Sendable (Int) -> Void = { part in
                    let range = (blocks * part / parts * 32)..<(blocks * (part + 1) / parts * 32)
                    guard !range.isEmpty else { return }
                    ScratchBuffers.shared.withBuffer(count: range.count * k / 2) { bFloats in
                        let b = UnsafeMutableRawPointer(bFloats).assumingMemoryBound(to: UInt16.self)
                        matrix.packForTiles(rows: range, into: b)
                        zk_amx_gemm(Int32(rows), Int32(padded), Int32(range.count), Int32(k), ap, b,
                                    c + range.lowerBound, Int32(n))
                    }
                }
                ComputeThreads.concurrentPerform(iterations: parts, execute: work)
            }
        }
    }

    /// Weight rows `rows` as bfloat16 in AMX B-tile order (see `zk_amx_pack_b_f32`).
    private func packForTiles(rows: Range<Int>, into b: UnsafeMutablePointer<UInt16>) {
        let row0 = Int32(rows.lowerBound), count = Int32(rows.count), k = Int32(inFeatures)
        floats.withUnsafeBufferPointer { scales in
            mins.withUnsafeBufferPointer { mins in
                codes.withUnsafeBufferPointer { codes in
                    switch encoding {
                    case .f32: zk_amx_pack_b_f32(scales.baseAddress!, row0, count, k, b)
                    case .q8_0, .q5_0, .q6_K:
                        codes.baseAddress!.withMemoryRebound(to: Int8.self, capacity: codes.count) { signed in
                            zk_amx_pack_b_s8(signed, scales.baseAddress!, Int32(encoding.group), row0, count, k, b)
                        }
                    case .q4_0, .q4_1, .q4_K:
                        zk_amx_pack_b_q4(codes.baseAddress!, scales.baseAddress!, mins.baseAddress!, row0, count, k, b)
                    }
                }
            }
        }
    }

    /// Row `i` as float32 (an embedding lookup).
    public func row(_ i: Int) -> [Float] {
        var out = [Float](repeating: 0, count: inFeatures)
        out.withUnsafeMutableBufferPointer { o in dequantize(rows: i..<(i + 1), into: o.baseAddress!) }
        return out
    }

    /// The whole matrix as float32.
    public func dequantized() -> [Float] {
        encoding == .f32 ? floats : dequantized(rows: 0..<outFeatures)
    }

    private func dequantized(rows: Range<Int>) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * inFeatures)
        out.withUnsafeMutableBufferPointer { o in dequantize(rows: rows, into: o.baseAddress!) }
        return out
    }

    private func dequantize(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        if encoding == .f32 {
            for (k, i) in (rows.lowerBound * inFeatures..<rows.upperBound * inFeatures).enumerated() { out[k] = floats[i] }
            return
        }
        let group = encoding.group, groupsPerRow = inFeatures / group
        floats.withUnsafeBufferPointer { scales in
            mins.withUnsafeBufferPointer { mins in
                codes.withUnsafeBufferPointer { codes in
                    for (k, b) in (rows.lowerBound * groupsPerRow..<rows.upperBound * groupsPerRow).enumerated() {
                        let d = scales[b], o = out + k * group
                        if encoding.isFourBit {
                            let m = mins[b]
                            for j in 0..<16 {
                                let byte = codes[b * 16 + j]
                                o[j] = Float(byte & 0x0F) * d + m
                                o[j + 16] = Float(byte >> 4) * d + m
                            }
                        } else {
                            for j in 0..<group { o[j] = Float(Int8(bitPattern: codes[b * group + j])) * d }
                        }
                    }
                }
            }
        }
    }

    /// One input row times the quantized matrix: the row is rounded to 8-bit codes in blocks of 32 (one scale
    /// each, as llama.cpp does for quantized weights), and every weight row is multiplied block by block in
    /// integers (``CZhikuKernels``: AVX2 where the build targets it), scaled per block, plus the Q4 offsets
    /// (Q4_1's minimum, Q4_0's −8·d) through each input block's sum.
    private func multiplyRow(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, exact: Bool) {
        let blocks = inFeatures / 32
        var q = [Int8](repeating: 0, count: inFeatures)
        var d = [Float](repeating: 0, count: blocks), sums = [Float](repeating: 0, count: blocks)
        var qsums = [Float](repeating: 0, count: blocks)
        zk_quantize_row_q8(x, Int32(inFeatures), &q, &d, &sums, &qsums)
        nonisolated(unsafe) let x = x
        floats.withUnsafeBufferPointer { scales in
            mins.withUnsafeBufferPointer { mins in
                codes.withUnsafeBufferPointer { codes in
                    q.withUnsafeBufferPointer { q in
                        d.withUnsafeBufferPointer { d in
                            sums.withUnsafeBufferPointer { sums in
                              qsums.withUnsafeBufferPointer { qsums in
                                // The buffers outlive the parallel loop below, and each part writes only its own rows.
                                nonisolated(unsafe) let sp = scales.baseAddress!, cp = codes.baseAddress!, mp = mins.baseAddress,
                                    qp = q.baseAddress!, dp = d.baseAddress!, sm = sums.baseAddress!, qs = qsums.baseAddress!, out = out
                                let encoding = self.encoding, rows = outFeatures
                                // Big matrices are split between two cores (a token's matrices are read once each,
                                // so the memory bandwidth of a second core helps).
                                let parts = rows * inFeatures >= Self.splitThreshold ? Self.parallelism : 1
                                let work: @Sendable (Int) -> Void = { part in
                                    let begin = Int32(rows * part / parts), end = Int32(rows * (part + 1) / parts)
                                    cp.withMemoryRebound(to: Int8.self, capacity: 1) { signed in
                                        switch (encoding, exact) {
                                        case (.q8_0, false), (.q5_0, false): zk_rows_q8(begin, end, Int32(blocks), signed, sp, qp, dp, out)
                                        case (.q6_K, false): zk_rows_q8x16(begin, end, Int32(blocks), signed, sp, qp, dp, out)
                                        case (.q4_0, false), (.q4_1, false), (.q4_K, false):
                                            zk_rows_q4(begin, end, Int32(blocks), cp, sp, mp!, qp, dp, qs, out)
                                        case (.q8_0, true), (.q5_0, true): zk_rows_q8_f32(begin, end, Int32(blocks), signed, sp, x, out)
                                        case (.q6_K, true): zk_rows_q8x16_f32(begin, end, Int32(blocks), signed, sp, x, out)
                                        case (.q4_0, true), (.q4_1, true), (.q4_K, true):
                                            zk_rows_q4_f32(begin, end, Int32(blocks), cp, sp, mp!, x, sm, out)
                                        case (.f32, _): break
                                        }
                                    }
                                }
                                ComputeThreads.concurrentPerform(iterations: parts, execute: work)
                              }
                            }
                        }
                    }
                }
            }
        }
    }
}
