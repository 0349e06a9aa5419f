import COpenBLAS
import Foundation
import ZhikuCore

/// Matrix products, softmax and normalisation.
extension ONNXOperators {
    /// MatMul with NumPy semantics: the last two dimensions multiply, leading dimensions broadcast; a 2-D right side
    /// (a weight) is one product over all rows of the left.
    static func matMul(_ a: ONNXTensor, _ b: ONNXTensor, pool: ONNXBufferPool) throws -> ONNXTensor {
        var sa = a.shape, sb = b.shape
        let vectorLeft = sa.count == 1, vectorRight = sb.count == 1
        if vectorLeft { sa = [1] + sa }
        if vectorRight { sb = sb + [1] }
        guard sa.count >= 2, sb.count >= 2 else { throw ZhikuError.invalidInput("MatMul of \(a.shape) and \(b.shape)") }
        let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
        guard sb[sb.count - 2] == k else { throw ZhikuError.invalidInput("MatMul of \(a.shape) and \(b.shape): inner sizes differ") }
        let batchA = Array(sa.dropLast(2)), batchB = Array(sb.dropLast(2))
        let batch = try broadcastShape(batchA, batchB)
        var shape = batch + [m, n]
        let count = try ONNXTensor.checkedCount(shape, context: "MatMul output")
        var out = pool.zeros(count)
        let x = a.floats, y = b.floats
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                out.withUnsafeMutableBufferPointer { op in
                    if batchB.allSatisfy({ $0 == 1 }) && batchA == batch {
                        let rows = batchA.reduce(1, *) * m
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(n), Int32(k), 1,
                                    xp.baseAddress!, Int32(k), yp.baseAddress!, Int32(n), 0, op.baseAddress!, Int32(n))
                        return
                    }
                    for (index, pair) in broadcastIndices(batchA, batchB, batch).enumerated() {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    xp.baseAddress! + pair.0 * m * k, Int32(k), yp.baseAddress! + pair.1 * k * n, Int32(n), 0,
                                    op.baseAddress! + index * m * n, Int32(n))
                    }
                }
            }
        }
        if vectorRight { shape.removeLast() }
        if vectorLeft { shape.remove(at: shape.count - (vectorRight ? 1 : 2)) }
        return ONNXTensor(shape: shape, floats: out)
    }

    static func gemm(_ a: ONNXTensor, _ b: ONNXTensor, _ c: ONNXTensor?, _ node: ONNXModelFile.Node) throws -> ONNXTensor {
        guard a.shape.count == 2, b.shape.count == 2 else { throw ZhikuError.invalidInput("Gemm of \(a.shape) and \(b.shape)") }
        let transA = (node.int("transA") ?? 0) != 0, transB = (node.int("transB") ?? 0) != 0
        let alpha = node.float("alpha") ?? 1, beta = node.float("beta") ?? 1
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        guard (transB ? b.shape[1] : b.shape[0]) == k else { throw ZhikuError.invalidInput("Gemm of \(a.shape) and \(b.shape): inner sizes differ") }
        var out = [Float](repeating: 0, count: try ONNXTensor.checkedCount([m, n], context: "Gemm output"))
        if let c, beta != 0 {
            let broadcast = try binary(ONNXBufferPool(), ONNXTensor(shape: [m, n], floats: out), c, ints: { $0 + $1 }, floats: { $0 + $1 })
            out = broadcast.floats.map { $0 * beta }
        }
        let x = a.floats, y = b.floats
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), alpha, xp.baseAddress!, Int32(a.shape[1]), yp.baseAddress!,
                            Int32(b.shape[1]), 1, &out, Int32(n))
            }
        }
        return ONNXTensor(shape: [m, n], floats: out)
    }

    /// Softmax along `axis`; before opset 13 the input is taken as a matrix of the dimensions before `axis` by those
    /// from it.
    static func softmax(_ x: ONNXTensor, axis rawAxis: Int, flattening: Bool) throws -> ONNXTensor {
        let rank = x.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank else { throw ZhikuError.invalidInput("softmax axis \(rawAxis) for shape \(x.shape)") }
        let outer = x.shape[..<axis].reduce(1, *)
        let length = flattening ? x.shape[axis...].reduce(1, *) : x.shape[axis]
        let inner = flattening ? 1 : x.shape[(axis + 1)...].reduce(1, *)
        var values = x.floats
        values.withUnsafeMutableBufferPointer { v in
            if inner == 1 {
                Kernels.softmaxRows(v, rows: outer, width: length)
                return
            }
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * length * inner + i
                    var peak = -Float.infinity
                    for j in 0..<length { peak = max(peak, v[base + j * inner]) }
                    var sum: Float = 0
                    for j in 0..<length {
                        let e = Foundation.exp(v[base + j * inner] - peak)
                        v[base + j * inner] = e
                        sum += e
                    }
                    for j in 0..<length { v[base + j * inner] /= sum }
                }
            }
        }
        return ONNXTensor(shape: x.shape, floats: values)
    }

    static func layerNorm(_ x: ONNXTensor, scale: ONNXTensor, bias: ONNXTensor?, axis rawAxis: Int, epsilon: Float) throws -> ONNXTensor {
        let rank = x.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank else { throw ZhikuError.invalidInput("LayerNormalization axis \(rawAxis) for shape \(x.shape)") }
        let width = x.shape[axis...].reduce(1, *)
        let gamma = scale.floats, beta = bias?.floats ?? [Float](repeating: 0, count: width)
        guard gamma.count == width, beta.count == width else { throw ZhikuError.invalidInput("LayerNormalization parameters of \(gamma.count) for width \(width)") }
        var values = x.floats
        Kernels.layerNorm(&values, rows: values.count / max(1, width), width: width, gamma: gamma, beta: beta, epsilon: epsilon)
        return ONNXTensor(shape: x.shape, floats: values)
    }
}
