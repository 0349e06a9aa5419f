import Foundation
import ZhikuCore

extension ONNXOperators {
    /// What a reduction computes over the reduced axes.
    enum Reduction {
        case mean, sum, max
    }

    /// ReduceMean, ReduceSum or ReduceMax of `x` over `rawAxes` (all axes when nil or empty).
    static func reduce(_ x: ONNXTensor, axes rawAxes: [Int]?, keepDims: Bool, _ kind: Reduction) throws -> ONNXTensor {
        let rank = x.shape.count
        let listed = try normalized(rawAxes, rank: rank) ?? []
        let axes = Set(listed.isEmpty ? Array(0..<rank) : listed)
        var keptShape = x.shape
        for a in axes { keptShape[a] = 1 }
        let outStrides = strides(keptShape), inStrides = strides(x.shape)
        let start: Float = kind == .max ? -.infinity : 0
        var results = [Float](repeating: start, count: ONNXTensor.elementCount(keptShape))
        let values = x.floats
        let reduced = axes.reduce(1) { $0 * x.shape[$1] }
        @inline(__always) func combine(_ a: Float, _ b: Float) -> Float { kind == .max ? Swift.max(a, b) : a + b }
        if axes.count == 1, let axis = axes.first {
            // One axis (a softmax's over the channels, a normalisation's over the last): outer × length × inner.
            let outer = x.shape[..<axis].reduce(1, *), length = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
            values.withUnsafeBufferPointer { v in
                results.withUnsafeMutableBufferPointer { r in
                    for o in 0..<outer {
                        for j in 0..<length {
                            let row = (o * length + j) * inner
                            for i in 0..<inner { r[o * inner + i] = combine(r[o * inner + i], v[row + i]) }
                        }
                    }
                }
            }
        } else {
            for flat in 0..<values.count {
                var target = 0, rest = flat
                for d in 0..<rank {
                    let i = rest / inStrides[d]
                    rest %= inStrides[d]
                    if !axes.contains(d) { target += i * outStrides[d] }
                }
                results[target] = combine(results[target], values[flat])
            }
        }
        if kind == .mean { for i in results.indices { results[i] /= Float(Swift.max(1, reduced)) } }
        let shape = keepDims ? keptShape : x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return ONNXTensor(shape: shape, floats: results)
    }

    /// The index of the largest value along `axis` (the first of equal ones, or the last with `lastIndex`), as
    /// integers.
    static func argMax(_ x: ONNXTensor, axis rawAxis: Int, keepDims: Bool, lastIndex: Bool) throws -> ONNXTensor {
        let rank = x.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank, x.shape[axis] > 0 else { throw ZhikuError.invalidInput("ArgMax axis \(rawAxis) for shape \(x.shape)") }
        let outer = x.shape[..<axis].reduce(1, *), length = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        let values = x.floats
        var result = [Int](repeating: 0, count: outer * inner)
        var best = [Float](repeating: 0, count: inner)
        for o in 0..<outer {
            let base = o * length * inner
            for i in 0..<inner { best[i] = values[base + i] }
            for j in 1..<max(1, length) {
                let row = base + j * inner
                for i in 0..<inner {
                    let v = values[row + i]
                    if v > best[i] || (lastIndex && v == best[i]) {
                        best[i] = v
                        result[o * inner + i] = j
                    }
                }
            }
        }
        var shape = x.shape
        if keepDims { shape[axis] = 1 } else { shape.remove(at: axis) }
        return ONNXTensor(shape: shape, ints: result)
    }

    /// The slices of `x` along `axis` picked by `indices` (negative ones counted from the end): the output's shape
    /// is `x`'s with that axis replaced by the indices' shape.
    static func gather(_ x: ONNXTensor, indices: ONNXTensor, axis rawAxis: Int) throws -> ONNXTensor {
        let rank = x.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank else { throw ZhikuError.invalidInput("Gather axis \(rawAxis) for shape \(x.shape)") }
        let length = x.shape[axis]
        let picks = try indices.ints.map { raw -> Int in
            let i = raw < 0 ? raw + length : raw
            guard i >= 0, i < length else { throw ZhikuError.invalidInput("Gather index \(raw) outside 0..<\(length)") }
            return i
        }
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        let shape = Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...])
        _ = try ONNXTensor.checkedCount(shape, context: "Gather output")
        func pick<T>(_ values: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * picks.count * inner)
            for o in 0..<outer {
                for i in picks {
                    let start = (o * length + i) * inner
                    out.append(contentsOf: values[start..<(start + inner)])
                }
            }
            return out
        }
        switch x.values {
        case .float(let v): return ONNXTensor(shape: shape, floats: pick(v))
        case .int(let v): return ONNXTensor(shape: shape, ints: pick(v))
        }
    }
}
