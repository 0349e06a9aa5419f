import COpenBLAS
import CZhikuKernels
import Foundation
import ZhikuCore

/// Convolutions, pooling and resizing on N×C×H×W float tensors.
extension ONNXOperators {
    struct Window {
        var kernel: (Int, Int)
        var stride: (Int, Int)
        var dilation: (Int, Int)
        /// top, left, bottom, right
        var pads: (Int, Int, Int, Int)

        init(_ node: ONNXModelFile.Node, kernel: (Int, Int)) throws {
            let k = node.ints("kernel_shape") ?? [kernel.0, kernel.1]
            let s = node.ints("strides") ?? [1, 1]
            let d = node.ints("dilations") ?? [1, 1]
            let p = node.ints("pads") ?? [0, 0, 0, 0]
            guard k.count == 2, s.count == 2, d.count == 2, p.count == 4, k.allSatisfy({ $0 > 0 }), s.allSatisfy({ $0 > 0 }),
                  d.allSatisfy({ $0 > 0 }), p.allSatisfy({ $0 >= 0 }) else {
                throw ZhikuError.invalidInput("only 2-D windows are supported (kernel \(k), strides \(s), pads \(p))")
            }
            if let autoPad = node.string("auto_pad"), autoPad != "NOTSET", autoPad != "VALID" {
                throw ZhikuError.invalidInput("auto_pad \(autoPad) is not supported")
            }
            self.kernel = (k[0], k[1])
            stride = (s[0], s[1])
            dilation = (d[0], d[1])
            pads = (p[0], p[1], p[2], p[3])
        }

        func outputSize(_ h: Int, _ w: Int, ceil: Bool = false) -> (Int, Int) {
            func size(_ n: Int, _ before: Int, _ after: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
                let span = n + before + after - d * (k - 1) - 1
                guard span >= 0 else { return 0 }
                var out = (ceil ? (span + s - 1) / s : span / s) + 1
                // A ceil-mode window must start inside the input or its left padding.
                if ceil, (out - 1) * s >= n + before { out -= 1 }
                return out
            }
            return (size(h, pads.0, pads.2, kernel.0, stride.0, dilation.0), size(w, pads.1, pads.3, kernel.1, stride.1, dilation.1))
        }
    }

    static func nchw(_ x: ONNXTensor) throws -> (Int, Int, Int, Int) {
        guard x.shape.count == 4 else { throw ZhikuError.invalidInput("expected an N×C×H×W tensor, got shape \(x.shape)") }
        return (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    }

    /// Conv: depthwise convolutions directly, everything else as im2col (skipped for 1×1) and a matrix product per
    /// group (``accumulateProduct``); a fused activation applied after. With `parts` > 1 the work is split between
    /// that many cores (channels of a depthwise convolution, columns of a 1×1 one, bands of output rows otherwise),
    /// through ``ComputeThreads/concurrentPerform(iterations:execute:)``, whose caller takes every piece itself when
    /// the helpers are busy (pages read side by side already fill the cores).
    static func convolution(_ x: ONNXTensor, _ weight: ONNXTensor, bias: ONNXTensor?, _ node: ONNXModelFile.Node, pool: ONNXBufferPool,
                            parts: Int = 1) throws -> ONNXTensor {
        let (n, c, h, w) = try nchw(x)
        guard weight.shape.count == 4 else { throw ZhikuError.invalidInput("weight of shape \(weight.shape); only 2-D convolutions are supported") }
        let m = weight.shape[0], cg = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let group = node.int("group") ?? 1
        guard group > 0, c == cg * group, m % group == 0 else {
            throw ZhikuError.invalidInput("input \(x.shape), weight \(weight.shape) and group \(group) do not fit")
        }
        let window = try Window(node, kernel: (kh, kw))
        guard window.kernel == (kh, kw) else { throw ZhikuError.invalidInput("kernel_shape differs from the weight's \(weight.shape)") }
        let (oh, ow) = window.outputSize(h, w)
        let outShape = [n, m, oh, ow]
        let count = try ONNXTensor.checkedCount(outShape, context: "Conv output")
        let b = bias?.floats ?? [Float](repeating: 0, count: m)
        guard b.count == m else { throw ZhikuError.invalidInput("bias of \(b.count) for \(m) output channels") }
        var out = pool.uninitialized(count)
        let depthwiseOnly = group == c && cg == 1 && m == c
        let input = x.floats, kernel = weight.floats
        let plane = oh * ow
        // Small convolutions are not worth a hand-off.
        let parts = count * max(1, cg * kh * kw) >= 1 << 16 ? max(1, parts) : 1
        func split(_ total: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
            let pieces = max(1, min(parts, total))
            ComputeThreads.concurrentPerform(iterations: pieces) { part in body((total * part / pieces)..<(total * (part + 1) / pieces)) }
        }
        input.withUnsafeBufferPointer { xp in
            kernel.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    nonisolated(unsafe) let xb = xp.baseAddress!, wb = wp.baseAddress!, ob = op.baseAddress!
                    for i in 0..<(n * m) {
                        let value = b[i % m]
                        (ob + i * plane).update(repeating: value, count: plane)
                    }
                    if depthwiseOnly {
                        split(n * c) { planes in
                            for index in planes {
                                let img = index / c, ch = index % c
                                let target = ob + (img * m + ch) * plane
                                depthwise(xb + (img * c + ch) * h * w, h, w, wb + ch * kh * kw, window, target, oh, ow)
                                // The activation while the plane is still in cache.
                                applyActivation(node, UnsafeMutableBufferPointer(start: target, count: plane))
                            }
                        }
                        return
                    }
                    let mg = m / group, k = cg * kh * kw
                    let pointwise = kh == 1 && kw == 1 && window.stride == (1, 1) && window.pads == (0, 0, 0, 0)
                    if pointwise {
                        for img in 0..<n {
                            for g in 0..<group {
                                nonisolated(unsafe) let source = xb + (img * c + g * cg) * h * w
                                nonisolated(unsafe) let weights = wb + g * mg * k
                                nonisolated(unsafe) let target = ob + (img * m + g * mg) * plane
                                // Columns of the output plane in blocks of 16 (the product's lanes).
                                split((plane + 15) / 16) { blocks in
                                    let first = blocks.lowerBound * 16, end = min(plane, blocks.upperBound * 16)
                                    guard end > first else { return }
                                    accumulateProduct(mg, end - first, k, weights, k, source + first, plane, target + first, plane)
                                }
                            }
                        }
                    } else {
                        // im2col a band of output rows at a time: the unfolded band stays near 1 MB instead of
                        // k × oh × ow floats (600 MB for a 3×3 convolution of 96 channels over a page).
                        let bandRows = max(1, min(oh, (1 << 18) / max(1, k * ow)))
                        let bands = (oh + bandRows - 1) / bandRows
                        split(n * group * bands) { jobs in
                            var columns = [Float](repeating: 0, count: k * bandRows * ow)
                            columns.withUnsafeMutableBufferPointer { colBuffer in
                                for job in jobs {
                                    let img = job / (group * bands), g = job / bands % group, firstRow = job % bands * bandRows
                                    let source = xb + (img * c + g * cg) * h * w
                                    let weights = wb + g * mg * k
                                    let target = ob + (img * m + g * mg) * plane
                                    let rows = min(bandRows, oh - firstRow)
                                    let band = rows * ow
                                    im2col(source, cg, h, w, window, colBuffer.baseAddress!, firstRow: firstRow, rows: rows, ow)
                                    accumulateProduct(mg, band, k, weights, k, UnsafePointer(colBuffer.baseAddress!), band,
                                                      target + firstRow * ow, plane)
                                }
                            }
                        }
                    }
                    split(n * m) { planes in
                        applyActivation(node, UnsafeMutableBufferPointer(start: ob + planes.lowerBound * plane, count: planes.count * plane))
                    }
                }
            }
        }
        return ONNXTensor(shape: outShape, floats: out)
    }

    /// `c[m×n] += a[m×k] · b[k×n]` (row-major, leading dimensions given): Zhiku's AVX-512 kernel where the CPU has
    /// it, else OpenBLAS.
    static func accumulateProduct(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
                                  _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if Kernels.wideProduct {
            zk_sgemm_avx512(Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), c, Int32(ldc))
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 1, c, Int32(ldc))
        }
    }

    /// The activation ``ONNXSession`` fused into a convolution (and a scalar affine after it), applied in place.
    static func applyActivation(_ node: ONNXModelFile.Node, _ v: UnsafeMutableBufferPointer<Float>) {
        guard let activation = node.string("activation") else { return }
        let scale = node.float("post_scale") ?? 1, shift = node.float("post_shift") ?? 0
        switch activation {
        case "Relu":
            for i in 0..<v.count { v[i] = max(v[i], 0) * scale + shift }
        case "HardSigmoid":
            let alpha = node.float("activation_alpha") ?? 0.2, beta = node.float("activation_beta") ?? 0.5
            for i in 0..<v.count { v[i] = hardSigmoid(v[i], alpha, beta) * scale + shift }
        default:
            for i in 0..<v.count { v[i] = hardSwish(v[i]) * scale + shift }
        }
    }

    /// One channel of a depthwise convolution, accumulated into `out` (which holds the bias).
    static func depthwise(_ x: UnsafePointer<Float>, _ h: Int, _ w: Int, _ k: UnsafePointer<Float>, _ window: Window,
                          _ out: UnsafeMutablePointer<Float>, _ oh: Int, _ ow: Int) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (dh, dw) = window.dilation
        let top = window.pads.0, left = window.pads.1
        if sh == 1 && sw == 1 && dh == 1 && dw == 1 {
            depthwiseUnitStride(x, h, w, k, kh, kw, top, left, out, oh, ow)
            return
        }
        for ky in 0..<kh {
            for kx in 0..<kw {
                let weight = k[ky * kw + kx]
                // Output columns whose input column is inside the image.
                let offsetX = kx * dw - left
                var first = 0
                if offsetX < 0 { first = (-offsetX + sw - 1) / sw }
                var last = ow - 1
                if (w - 1 - offsetX) < 0 { continue }
                last = min(last, (w - 1 - offsetX) / sw)
                guard first <= last else { continue }
                for oy in 0..<oh {
                    let iy = oy * sh - top + ky * dh
                    guard iy >= 0, iy < h else { continue }
                    let row = x + iy * w + offsetX
                    let target = out + oy * ow
                    if sw == 1 {
                        for ox in first...last { target[ox] += weight * row[ox] }
                    } else {
                        for ox in first...last { target[ox] += weight * row[ox * sw] }
                    }
                }
            }
        }
    }

    /// A stride-1 depthwise channel: eight output columns at a time accumulate every tap in registers and are
    /// written once (the tap-by-tap loop wrote each output kh·kw times); border columns tap by tap.
    static func depthwiseUnitStride(_ x: UnsafePointer<Float>, _ h: Int, _ w: Int, _ k: UnsafePointer<Float>, _ kh: Int, _ kw: Int,
                                    _ top: Int, _ left: Int, _ out: UnsafeMutablePointer<Float>, _ oh: Int, _ ow: Int) {
        // Columns whose whole window lies inside the row.
        let lo = max(0, left), hi = min(ow - 1, w - kw + left)
        for oy in 0..<oh {
            let firstKy = max(0, top - oy), lastKy = min(kh - 1, h - 1 - oy + top)
            let target = out + oy * ow
            func scalar(_ ox: Int) {
                guard firstKy <= lastKy else { return }
                var sum: Float = 0
                for ky in firstKy...lastKy {
                    let row = x + (oy - top + ky) * w
                    for kx in 0..<kw {
                        let ix = ox - left + kx
                        if ix >= 0 && ix < w { sum += k[ky * kw + kx] * row[ix] }
                    }
                }
                target[ox] += sum
            }
            guard lo <= hi else {
                for ox in 0..<ow { scalar(ox) }
                continue
            }
            for ox in 0..<lo { scalar(ox) }
            var ox = lo
            if firstKy <= lastKy {
                while ox + 7 <= hi {
                    let t = UnsafeMutableRawPointer(target + ox)
                    var acc = t.loadUnaligned(as: SIMD8<Float>.self)
                    for ky in firstKy...lastKy {
                        let row = UnsafeRawPointer(x + (oy - top + ky) * w + ox - left)
                        let taps = k + ky * kw
                        for kx in 0..<kw {
                            acc += SIMD8<Float>(repeating: taps[kx]) * row.loadUnaligned(fromByteOffset: kx * 4, as: SIMD8<Float>.self)
                        }
                    }
                    t.storeBytes(of: acc, as: SIMD8<Float>.self)
                    ox += 8
                }
            }
            while ox < ow { scalar(ox); ox += 1 }
        }
    }

    /// Unfolds `channels` planes of h×w into a (channels·kh·kw) × (rows·ow) matrix for output rows
    /// `firstRow ..< firstRow + rows`, zero where the window is padding.
    static func im2col(_ x: UnsafePointer<Float>, _ channels: Int, _ h: Int, _ w: Int, _ window: Window,
                       _ columns: UnsafeMutablePointer<Float>, firstRow: Int, rows: Int, _ ow: Int) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (dh, dw) = window.dilation
        let top = window.pads.0, left = window.pads.1
        var row = columns
        for ch in 0..<channels {
            let plane = x + ch * h * w
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let offsetX = kx * dw - left
                    var first = offsetX < 0 ? (-offsetX + sw - 1) / sw : 0
                    var last = (w - 1 - offsetX) < 0 ? -1 : min(ow - 1, (w - 1 - offsetX) / sw)
                    if first > ow { first = ow }
                    if last < first - 1 { last = first - 1 }
                    for r in 0..<rows {
                        let oy = firstRow + r
                        let target = row + r * ow
                        let iy = oy * sh - top + ky * dh
                        guard iy >= 0, iy < h else { target.update(repeating: 0, count: ow); continue }
                        let source = plane + iy * w + offsetX
                        if first > 0 { target.update(repeating: 0, count: first) }
                        if last >= first {
                            if sw == 1 {
                                (target + first).update(from: source + first, count: last - first + 1)
                            } else {
                                for ox in first...last { target[ox] = source[ox * sw] }
                            }
                        }
                        if last + 1 < ow { (target + last + 1).update(repeating: 0, count: ow - last - 1) }
                    }
                    row += rows * ow
                }
            }
        }
    }

    /// ConvTranspose (group 1): the input times the weight gives every input pixel's kh×kw contribution, which is
    /// scattered into the output (col2im).
    static func transposedConvolution(_ x: ONNXTensor, _ weight: ONNXTensor, bias: ONNXTensor?, _ node: ONNXModelFile.Node, pool: ONNXBufferPool) throws -> ONNXTensor {
        let (n, c, h, w) = try nchw(x)
        guard weight.shape.count == 4, weight.shape[0] == c else { throw ZhikuError.invalidInput("weight \(weight.shape) for input \(x.shape)") }
        guard (node.int("group") ?? 1) == 1 else { throw ZhikuError.invalidInput("grouped ConvTranspose is not supported") }
        if node.ints("output_shape") != nil { throw ZhikuError.invalidInput("ConvTranspose output_shape is not supported") }
        let m = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let window = try Window(node, kernel: (kh, kw))
        let extra = node.ints("output_padding") ?? [0, 0]
        let oh = (h - 1) * window.stride.0 - window.pads.0 - window.pads.2 + window.dilation.0 * (kh - 1) + 1 + (extra.first ?? 0)
        let ow = (w - 1) * window.stride.1 - window.pads.1 - window.pads.3 + window.dilation.1 * (kw - 1) + 1 + (extra.last ?? 0)
        guard oh > 0, ow > 0 else { throw ZhikuError.invalidInput("ConvTranspose output would be empty") }
        let outShape = [n, m, oh, ow]
        let count = try ONNXTensor.checkedCount(outShape, context: "ConvTranspose output")
        let rows = m * kh * kw, pixels = h * w
        var out = pool.uninitialized(count)  // every plane starts as its bias
        let b = bias?.floats ?? [Float](repeating: 0, count: m)
        guard b.count == m else { throw ZhikuError.invalidInput("bias of \(b.count) for \(m) output channels") }
        var columns = [Float](repeating: 0, count: rows * pixels)
        let input = x.floats, kernel = weight.floats
        input.withUnsafeBufferPointer { xp in
            kernel.withUnsafeBufferPointer { wp in
                columns.withUnsafeMutableBufferPointer { cp in
                    out.withUnsafeMutableBufferPointer { op in
                        for img in 0..<n {
                            // columns[rows × pixels] = weightᵀ[rows × c] · x[c × pixels]
                            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(pixels), Int32(c), 1,
                                        wp.baseAddress!, Int32(rows), xp.baseAddress! + img * c * pixels, Int32(pixels), 0,
                                        cp.baseAddress!, Int32(pixels))
                            let target = op.baseAddress! + img * m * oh * ow
                            for ch in 0..<m {
                                let plane = target + ch * oh * ow
                                plane.update(repeating: b[ch], count: oh * ow)
                                for ky in 0..<kh {
                                    for kx in 0..<kw {
                                        let source = cp.baseAddress! + ((ch * kh + ky) * kw + kx) * pixels
                                        for iy in 0..<h {
                                            let y = iy * window.stride.0 - window.pads.0 + ky * window.dilation.0
                                            guard y >= 0, y < oh else { continue }
                                            for ix in 0..<w {
                                                let xx = ix * window.stride.1 - window.pads.1 + kx * window.dilation.1
                                                guard xx >= 0, xx < ow else { continue }
                                                plane[y * ow + xx] += source[iy * w + ix]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return ONNXTensor(shape: outShape, floats: out)
    }

    /// Batch normalisation as a per-channel `x·factor + offset`: `factor = γ/√(σ²+ε)`, `offset = β − μ·factor`;
    /// nil when the parameters differ in length.
    static func batchNormAffine(scale: [Float], shift: [Float], mean: [Float], variance: [Float], epsilon: Float)
        -> (factor: [Float], offset: [Float])? {
        guard shift.count == scale.count, mean.count == scale.count, variance.count == scale.count else { return nil }
        let factor = zip(scale, variance).map { $0 / ($1 + epsilon).squareRoot() }
        return (factor, (0..<scale.count).map { shift[$0] - mean[$0] * factor[$0] })
    }

    static func batchNorm(_ x: ONNXTensor, scale: ONNXTensor, shift: ONNXTensor, mean: ONNXTensor, variance: ONNXTensor,
                          epsilon: Float) throws -> ONNXTensor {
        guard x.shape.count >= 2 else { throw ZhikuError.invalidInput("BatchNormalization of shape \(x.shape)") }
        let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *)
        guard let affine = batchNormAffine(scale: scale.floats, shift: shift.floats, mean: mean.floats, variance: variance.floats,
                                           epsilon: epsilon), affine.factor.count == c else {
            throw ZhikuError.invalidInput("parameters do not match \(c) channels")
        }
        var values = x.floats
        for img in 0..<n {
            for ch in 0..<c {
                let base = (img * c + ch) * plane
                for i in 0..<plane { values[base + i] = values[base + i] * affine.factor[ch] + affine.offset[ch] }
            }
        }
        return ONNXTensor(shape: x.shape, floats: values)
    }

    static func pool(_ x: ONNXTensor, _ node: ONNXModelFile.Node, max isMax: Bool, pool buffers: ONNXBufferPool) throws -> ONNXTensor {
        let (n, c, h, w) = try nchw(x)
        guard let kernel = node.ints("kernel_shape"), kernel.count == 2 else { throw ZhikuError.invalidInput("pooling needs a 2-D kernel_shape") }
        let window = try Window(node, kernel: (kernel[0], kernel[1]))
        let (oh, ow) = window.outputSize(h, w, ceil: (node.int("ceil_mode") ?? 0) != 0)
        let includePad = (node.int("count_include_pad") ?? 0) != 0
        let outShape = [n, c, oh, ow]
        var out = buffers.zeros(try ONNXTensor.checkedCount(outShape, context: "pool output"))
        let values = x.floats
        for plane in 0..<(n * c) {
            let base = plane * h * w
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, sum: Float = 0, used = 0, padded = 0
                    for ky in 0..<window.kernel.0 {
                        let iy = oy * window.stride.0 - window.pads.0 + ky * window.dilation.0
                        for kx in 0..<window.kernel.1 {
                            let ix = ox * window.stride.1 - window.pads.1 + kx * window.dilation.1
                            if iy < 0 || iy >= h || ix < 0 || ix >= w {
                                // Padding counts only inside the padded input, not past it (ceil mode).
                                if iy < h + window.pads.2 && ix < w + window.pads.3 { padded += 1 }
                                continue
                            }
                            let v = values[base + iy * w + ix]
                            best = max(best, v)
                            sum += v
                            used += 1
                        }
                    }
                    out[(plane * oh + oy) * ow + ox] = isMax ? best : sum / Float(max(1, includePad ? used + padded : used))
                }
            }
        }
        return ONNXTensor(shape: outShape, floats: out)
    }

    static func globalAveragePool(_ x: ONNXTensor) throws -> ONNXTensor {
        guard x.shape.count >= 3 else { throw ZhikuError.invalidInput("GlobalAveragePool of shape \(x.shape)") }
        let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
        let values = x.floats
        let out = (0..<planes).map { p in values[(p * size)..<((p + 1) * size)].reduce(0, +) / Float(max(1, size)) }
        return ONNXTensor(shape: [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: x.shape.count - 2), floats: out)
    }

    /// Resize of the last two dimensions (nearest or bilinear) by `scales` or to `sizes`.
    static func resize(_ x: ONNXTensor, _ node: ONNXModelFile.Node, inputs: [ONNXTensor?], opset: Int, pool: ONNXBufferPool) throws -> ONNXTensor {
        let (n, c, h, w) = try nchw(x)
        let scalesInput = opset >= 11 ? (inputs.count > 2 ? inputs[2] : nil) : (inputs.count > 1 ? inputs[1] : nil)
        let sizesInput = opset >= 11 && inputs.count > 3 ? inputs[3] : nil
        var oh = h, ow = w
        var scaleY = Float(1), scaleX = Float(1)
        if let sizes = sizesInput?.ints, sizes.count == 4 {
            guard sizes[0] == n, sizes[1] == c else { throw ZhikuError.invalidInput("only the last two dimensions can be resized") }
            oh = sizes[2]; ow = sizes[3]
            scaleY = Float(oh) / Float(h); scaleX = Float(ow) / Float(w)
        } else if let scales = scalesInput?.floats, scales.count == 4 {
            guard scales[0] == 1, scales[1] == 1, scales[2] > 0, scales[3] > 0 else {
                throw ZhikuError.invalidInput("only the last two dimensions can be resized (scales \(scales))")
            }
            scaleY = scales[2]; scaleX = scales[3]
            oh = Int((Float(h) * scaleY).rounded(.down)); ow = Int((Float(w) * scaleX).rounded(.down))
        } else {
            throw ZhikuError.invalidInput("Resize needs 4 scales or 4 sizes")
        }
        let outShape = [n, c, oh, ow]
        var out = pool.zeros(try ONNXTensor.checkedCount(outShape, context: "Resize output"))
        let mode = node.string("mode") ?? "nearest"
        let transform = node.string("coordinate_transformation_mode") ?? "half_pixel"
        let nearestMode = node.string("nearest_mode") ?? "round_prefer_floor"
        func source(_ o: Int, _ scale: Float, _ inSize: Int, _ outSize: Int) -> Float {
            switch transform {
            case "asymmetric": return Float(o) / scale
            case "align_corners": return outSize > 1 ? Float(o) * Float(inSize - 1) / Float(outSize - 1) : 0
            case "pytorch_half_pixel": return outSize > 1 ? (Float(o) + 0.5) / scale - 0.5 : 0
            default: return (Float(o) + 0.5) / scale - 0.5
            }
        }
        let values = x.floats
        if mode == "nearest" {
            func pick(_ f: Float, _ size: Int) -> Int {
                let i: Int
                switch nearestMode {
                case "floor": i = Int(f.rounded(.down))
                case "ceil": i = Int(f.rounded(.up))
                case "round_prefer_ceil": i = Int((f + 0.5).rounded(.down))
                default: i = f - f.rounded(.down) == 0.5 ? Int(f.rounded(.down)) : Int(f.rounded())
                }
                return min(max(i, 0), size - 1)
            }
            let ys = (0..<oh).map { pick(source($0, scaleY, h, oh), h) }, xs = (0..<ow).map { pick(source($0, scaleX, w, ow), w) }
            for p in 0..<(n * c) {
                for oy in 0..<oh {
                    let row = p * h * w + ys[oy] * w, target = (p * oh + oy) * ow
                    for ox in 0..<ow { out[target + ox] = values[row + xs[ox]] }
                }
            }
        } else if mode == "linear" {
            func taps(_ o: Int, _ scale: Float, _ size: Int, _ outSize: Int) -> (Int, Int, Float) {
                let f = min(max(source(o, scale, size, outSize), 0), Float(size - 1))
                let i0 = Int(f.rounded(.down)), i1 = min(i0 + 1, size - 1)
                return (i0, i1, f - Float(i0))
            }
            let ys = (0..<oh).map { taps($0, scaleY, h, oh) }, xs = (0..<ow).map { taps($0, scaleX, w, ow) }
            for p in 0..<(n * c) {
                let base = p * h * w
                for oy in 0..<oh {
                    let (y0, y1, fy) = ys[oy]
                    for ox in 0..<ow {
                        let (x0, x1, fx) = xs[ox]
                        let top = values[base + y0 * w + x0] * (1 - fx) + values[base + y0 * w + x1] * fx
                        let bottom = values[base + y1 * w + x0] * (1 - fx) + values[base + y1 * w + x1] * fx
                        out[(p * oh + oy) * ow + ox] = top * (1 - fy) + bottom * fy
                    }
                }
            }
        } else {
            throw ZhikuError.invalidInput("Resize mode \(mode) is not supported")
        }
        return ONNXTensor(shape: outShape, floats: out)
    }
}
