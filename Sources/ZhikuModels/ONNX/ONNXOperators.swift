import Foundation
import ZhikuCore

/// The operator implementations of ``ONNXSession``: each takes a node and its input tensors (nil where an optional
/// input is left out) and returns the node's outputs. Shapes are checked; a mismatch is an `invalidInput` error
/// that the session prefixes with the model and node.
enum ONNXOperators {
    static func apply(_ node: ONNXModelFile.Node, _ inputs: [ONNXTensor?], opset: Int, pool: ONNXBufferPool,
                      parts: Int = 1) throws -> [ONNXTensor] {
        func input(_ i: Int) throws -> ONNXTensor {
            guard i < inputs.count, let tensor = inputs[i] else { throw ZhikuError.invalidInput("input \(i) is missing") }
            return tensor
        }
        func optional(_ i: Int) -> ONNXTensor? { i < inputs.count ? inputs[i] : nil }
        switch node.opType {
        case "Add": return [try binary(pool, input(0), input(1), ints: { $0 + $1 }, floats: { $0 + $1 })]
        case "Sub": return [try binary(pool, input(0), input(1), ints: { $0 - $1 }, floats: { $0 - $1 })]
        case "Mul": return [try binary(pool, input(0), input(1), ints: { $0 * $1 }, floats: { $0 * $1 })]
        case "Div": return [try binary(pool, input(0), input(1), ints: { $1 == 0 ? 0 : $0 / $1 }, floats: { $0 / $1 })]
        case "Pow":
            let exponent = try input(1)
            if exponent.count == 1, exponent.floats[0] == 2 { return [unary(try input(0), pool) { $0 * $0 }] }
            return [try binary(pool, input(0), exponent.isInteger ? ONNXTensor(shape: exponent.shape, floats: exponent.floats) : exponent,
                               ints: { $0 * $1 }, floats: { Foundation.pow($0, $1) })]
        case "Sqrt": return [unary(try input(0), pool) { $0.squareRoot() }]
        case "Exp": return [unary(try input(0), pool) { FastMath.exp($0) }]
        case "Tanh": return [unary(try input(0), pool) { Foundation.tanh($0) }]
        case "Relu": return [unary(try input(0), pool) { max($0, 0) }]
        case "LeakyRelu":
            let alpha = node.float("alpha") ?? 0.01
            return [unary(try input(0), pool) { $0 >= 0 ? $0 : alpha * $0 }]
        case "Sigmoid": return [unary(try input(0), pool) { 1 / (1 + FastMath.exp(-$0)) }]
        case "HardSigmoid":
            let alpha = node.float("alpha") ?? 0.2, beta = node.float("beta") ?? 0.5
            return [unary(try input(0), pool) { hardSigmoid($0, alpha, beta) }]
        case "HardSwish": return [unary(try input(0), pool) { hardSwish($0) }]
        case "Clip":
            let low = opset >= 11 ? (optional(1)?.floats.first ?? -.infinity) : (node.float("min") ?? -.infinity)
            let high = opset >= 11 ? (optional(2)?.floats.first ?? .infinity) : (node.float("max") ?? .infinity)
            let x = try input(0)
            if x.isInteger { return [ONNXTensor(shape: x.shape, ints: x.ints.map { Int(min(max(Float($0), low), high)) })] }
            return [unary(x, pool) { min(max($0, low), high) }]
        case "Identity": return [try input(0)]
        case "Cast":
            let x = try input(0)
            switch node.int("to") ?? 1 {
            case 1, 10, 11: return [ONNXTensor(shape: x.shape, floats: x.floats)]
            case 9: return [ONNXTensor(shape: x.shape, ints: x.floats.map { $0 != 0 ? 1 : 0 })]
            default: return [ONNXTensor(shape: x.shape, ints: x.ints)]
            }
        case "Shape":
            let x = try input(0)
            return [ONNXTensor(shape: [x.shape.count], ints: x.shape)]
        case "Reshape": return [try reshape(input(0), input(1).ints, allowZero: node.int("allowzero") == 1)]
        case "Flatten":
            let x = try input(0)
            var axis = node.int("axis") ?? 1
            if axis < 0 { axis += x.shape.count }
            guard axis >= 0, axis <= x.shape.count else { throw ZhikuError.invalidInput("axis \(axis) for shape \(x.shape)") }
            return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
        case "Squeeze":
            let x = try input(0)
            let axes = try normalized(opset >= 13 ? optional(1)?.ints : node.ints("axes"), rank: x.shape.count)
            var shape: [Int] = []
            for (i, d) in x.shape.enumerated() {
                if let axes { if axes.contains(i) { guard d == 1 else { throw ZhikuError.invalidInput("cannot squeeze axis \(i) of \(x.shape)") }; continue } } else if d == 1 { continue }
                shape.append(d)
            }
            return [x.reshaped(shape)]
        case "Unsqueeze":
            let x = try input(0)
            let raw = (opset >= 13 ? optional(1)?.ints : node.ints("axes")) ?? []
            let rank = x.shape.count + raw.count
            let axes = Set(try normalized(raw, rank: rank) ?? [])
            var shape: [Int] = [], source = x.shape.makeIterator()
            for i in 0..<rank { shape.append(axes.contains(i) ? 1 : (source.next() ?? 1)) }
            return [x.reshaped(shape)]
        case "Transpose":
            let x = try input(0)
            return [try transpose(x, node.ints("perm") ?? Array((0..<x.shape.count).reversed()))]
        case "Slice":
            let x = try input(0)
            if opset >= 10 {
                return [try slice(x, starts: input(1).ints, ends: input(2).ints, axes: optional(3)?.ints, steps: optional(4)?.ints)]
            }
            return [try slice(x, starts: node.ints("starts") ?? [], ends: node.ints("ends") ?? [], axes: node.ints("axes"), steps: nil)]
        case "Concat": return [try concat(inputs.compactMap { $0 }, axis: node.int("axis") ?? 0)]
        case "Split":
            let x = try input(0)
            let sizes = opset >= 13 ? optional(1)?.ints : node.ints("split")
            return try split(x, axis: node.int("axis") ?? 0, sizes: sizes, count: node.outputs.count)
        case "Conv": return [try convolution(input(0), input(1), bias: optional(2), node, pool: pool, parts: parts)]
        case "ConvTranspose": return [try transposedConvolution(input(0), input(1), bias: optional(2), node, pool: pool)]
        case "BatchNormalization":
            return [try batchNorm(input(0), scale: input(1), shift: input(2), mean: input(3), variance: input(4),
                                  epsilon: node.float("epsilon") ?? 1e-5)]
        case "MaxPool": return [try Self.pool(input(0), node, max: true, pool: pool)]
        case "AveragePool": return [try Self.pool(input(0), node, max: false, pool: pool)]
        case "GlobalAveragePool": return [try globalAveragePool(input(0))]
        case "Resize": return [try resize(input(0), node, inputs: inputs, opset: opset, pool: pool)]
        case "MatMul": return [try matMul(input(0), input(1), pool: pool)]
        case "Gemm": return [try gemm(input(0), input(1), optional(2), node)]
        case "Softmax": return [try softmax(input(0), axis: node.int("axis") ?? (opset >= 13 ? -1 : 1), flattening: opset < 13)]
        case "ReduceMean", "ReduceMax", "ReduceSum":
            let x = try input(0)
            // Axes became an input in opset 13 for ReduceSum and in opset 18 for the others.
            let axes = opset >= (node.opType == "ReduceSum" ? 13 : 18) ? optional(1)?.ints : node.ints("axes")
            let kind: Reduction = node.opType == "ReduceMean" ? .mean : node.opType == "ReduceMax" ? .max : .sum
            return [try reduce(x, axes: axes, keepDims: (node.int("keepdims") ?? 1) != 0, kind)]
        case "ArgMax":
            return [try argMax(input(0), axis: node.int("axis") ?? 0, keepDims: (node.int("keepdims") ?? 1) != 0,
                               lastIndex: node.int("select_last_index") == 1)]
        case "Gather": return [try gather(input(0), indices: input(1), axis: node.int("axis") ?? 0)]
        case "LayerNormalization":
            return [try layerNorm(input(0), scale: input(1), bias: optional(2), axis: node.int("axis") ?? -1,
                                  epsilon: node.float("epsilon") ?? 1e-5)]
        default:
            throw ZhikuError.invalidInput("operator \(node.opType) is not supported")
        }
    }

    /// `axes` with negative entries counted from the end, each checked against `rank`.
    static func normalized(_ axes: [Int]?, rank: Int) throws -> [Int]? {
        try axes?.map { axis in
            let a = axis < 0 ? axis + rank : axis
            guard a >= 0, a < rank else { throw ZhikuError.invalidInput("axis \(axis) is out of range for rank \(rank)") }
            return a
        }
    }

    @inline(__always) static func hardSigmoid(_ x: Float, _ alpha: Float, _ beta: Float) -> Float { min(max(alpha * x + beta, 0), 1) }

    /// `x · clip(x + 3, 0, 6) / 6`, in that order (as Paddle's exported graphs compute it).
    @inline(__always) static func hardSwish(_ x: Float) -> Float { x * min(max(x + 3, 0), 6) / 6 }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            result[i] = running
            running *= shape[i]
        }
        return result
    }

    @inline(__always)
    static func unary(_ x: ONNXTensor, _ pool: ONNXBufferPool, _ f: (Float) -> Float) -> ONNXTensor {
        let values = x.floats
        var out = pool.zeros(values.count)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in for i in 0..<v.count { o[i] = f(v[i]) } }
        }
        return ONNXTensor(shape: x.shape, floats: out)
    }

    /// The broadcast shape of two shapes (NumPy rules).
    static func broadcastShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        return try (0..<rank).map { i in
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { throw ZhikuError.invalidInput("shapes \(a) and \(b) do not broadcast") }
            return da == 1 ? db : da
        }
    }

    /// An element-wise operation on two tensors with broadcasting: integers when both are integers, else floats.
    /// Dimensions with the same broadcast pattern are merged, so a per-channel scale of an N×C×H×W tensor is one
    /// loop of H·W per channel.
    @inline(__always)
    static func binary(_ pool: ONNXBufferPool, _ a: ONNXTensor, _ b: ONNXTensor, ints: (Int, Int) -> Int, floats: (Float, Float) -> Float) throws -> ONNXTensor {
        let shape = try broadcastShape(a.shape, b.shape)
        if a.isInteger, b.isInteger {
            let (x, y) = (a.ints, b.ints)
            let out = broadcastIndices(a.shape, b.shape, shape).map { ints(x[$0.0], y[$0.1]) }
            return ONNXTensor(shape: shape, ints: out)
        }
        let x = a.floats, y = b.floats
        let count = ONNXTensor.elementCount(shape)
        var out = pool.zeros(count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                out.withUnsafeMutableBufferPointer { o in
                    if a.shape == b.shape {
                        for i in 0..<count { o[i] = floats(xp[i], yp[i]) }
                    } else if y.count == 1 {
                        let s = yp[0]
                        for i in 0..<count { o[i] = floats(xp[i], s) }
                    } else if x.count == 1 {
                        let s = xp[0]
                        for i in 0..<count { o[i] = floats(s, yp[i]) }
                    } else {
                        // Merge runs of dimensions where each side is either full or broadcast throughout.
                        let rank = shape.count
                        let pa = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
                        let pb = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
                        var dims: [(size: Int, aFull: Bool, bFull: Bool)] = []
                        for i in 0..<rank where shape[i] != 1 {
                            let aFull = pa[i] != 1, bFull = pb[i] != 1
                            if let last = dims.last, last.aFull == aFull, last.bFull == bFull {
                                dims[dims.count - 1].size *= shape[i]
                            } else {
                                dims.append((shape[i], aFull, bFull))
                            }
                        }
                        guard let inner = dims.last else { o[0] = floats(xp[0], yp[0]); return }
                        var aStrides = [Int](repeating: 0, count: dims.count), bStrides = aStrides
                        var sa = 1, sb = 1
                        for i in stride(from: dims.count - 1, through: 0, by: -1) {
                            if dims[i].aFull { aStrides[i] = sa; sa *= dims[i].size }
                            if dims[i].bFull { bStrides[i] = sb; sb *= dims[i].size }
                        }
                        let n = inner.size, ia = inner.aFull ? 1 : 0, ib = inner.bFull ? 1 : 0
                        let outer = count / n
                        var index = [Int](repeating: 0, count: max(0, dims.count - 1))
                        var offA = 0, offB = 0
                        for row in 0..<outer {
                            let base = row * n
                            if ia == 1 && ib == 1 {
                                for j in 0..<n { o[base + j] = floats(xp[offA + j], yp[offB + j]) }
                            } else if ia == 1 {
                                let s = yp[offB]
                                for j in 0..<n { o[base + j] = floats(xp[offA + j], s) }
                            } else {
                                let s = xp[offA]
                                for j in 0..<n { o[base + j] = floats(s, yp[offB + j]) }
                            }
                            // Advance the outer index (odometer).
                            var d = index.count - 1
                            while d >= 0 {
                                index[d] += 1
                                offA += aStrides[d]
                                offB += bStrides[d]
                                if index[d] < dims[d].size { break }
                                offA -= aStrides[d] * index[d]
                                offB -= bStrides[d] * index[d]
                                index[d] = 0
                                d -= 1
                            }
                        }
                    }
                }
            }
        }
        return ONNXTensor(shape: shape, floats: out)
    }

    /// For each element of the broadcast `shape`, the indices into `a` and `b` (small integer tensors).
    static func broadcastIndices(_ a: [Int], _ b: [Int], _ shape: [Int]) -> [(Int, Int)] {
        let rank = shape.count
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        let sa = strides(pa), sb = strides(pb), so = strides(shape)
        return (0..<ONNXTensor.elementCount(shape)).map { flat in
            var ia = 0, ib = 0, rest = flat
            for d in 0..<rank {
                let i = rest / so[d]
                rest %= so[d]
                if pa[d] != 1 { ia += i * sa[d] }
                if pb[d] != 1 { ib += i * sb[d] }
            }
            return (ia, ib)
        }
    }

    static func reshape(_ x: ONNXTensor, _ requested: [Int], allowZero: Bool) throws -> ONNXTensor {
        var shape = requested
        var inferred: Int?
        for (i, d) in shape.enumerated() {
            if d == 0 && !allowZero {
                guard i < x.shape.count else { throw ZhikuError.invalidInput("reshape \(x.shape) to \(requested): no dimension \(i) to copy") }
                shape[i] = x.shape[i]
            } else if d == -1 {
                guard inferred == nil else { throw ZhikuError.invalidInput("reshape to \(requested): more than one -1") }
                inferred = i
            } else if d < 0 {
                throw ZhikuError.invalidInput("reshape to \(requested): negative dimension")
            }
        }
        if let inferred {
            let known = shape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            guard known > 0, x.count % known == 0 else { throw ZhikuError.invalidInput("cannot reshape \(x.shape) to \(requested)") }
            shape[inferred] = x.count / known
        }
        guard try ONNXTensor.checkedCount(shape, context: "reshape") == x.count else {
            throw ZhikuError.invalidInput("cannot reshape \(x.shape) to \(requested)")
        }
        return x.reshaped(shape)
    }

    static func transpose(_ x: ONNXTensor, _ perm: [Int]) throws -> ONNXTensor {
        let rank = x.shape.count
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw ZhikuError.invalidInput("perm \(perm) for shape \(x.shape)") }
        let shape = perm.map { x.shape[$0] }
        let inStrides = strides(x.shape)
        let permutedStrides = perm.map { inStrides[$0] }
        let count = x.count
        func gather<T>(_ values: [T], zero: T) -> [T] {
            var out = [T](repeating: zero, count: count)
            guard count > 0 else { return out }
            values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    let inner = shape[rank - 1], innerStride = permutedStrides[rank - 1]
                    var index = [Int](repeating: 0, count: max(0, rank - 1))
                    var offset = 0, position = 0
                    for _ in 0..<(count / max(1, inner)) {
                        for j in 0..<inner { o[position + j] = v[offset + j * innerStride] }
                        position += inner
                        var d = rank - 2
                        while d >= 0 {
                            index[d] += 1
                            offset += permutedStrides[d]
                            if index[d] < shape[d] { break }
                            offset -= permutedStrides[d] * index[d]
                            index[d] = 0
                            d -= 1
                        }
                    }
                }
            }
            return out
        }
        switch x.values {
        case .float(let v): return ONNXTensor(shape: shape, floats: rank == 0 ? v : gather(v, zero: 0))
        case .int(let v): return ONNXTensor(shape: shape, ints: rank == 0 ? v : gather(v, zero: 0))
        }
    }

    static func slice(_ x: ONNXTensor, starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws -> ONNXTensor {
        let rank = x.shape.count
        guard starts.count == ends.count else { throw ZhikuError.invalidInput("slice starts \(starts) and ends \(ends) differ in length") }
        let axes = try normalized(axes, rank: rank) ?? Array(0..<starts.count)
        let steps = steps ?? [Int](repeating: 1, count: starts.count)
        guard axes.count == starts.count, steps.count == starts.count else { throw ZhikuError.invalidInput("slice parameters differ in length") }
        var begin = [Int](repeating: 0, count: rank), step = [Int](repeating: 1, count: rank), shape = x.shape
        for (k, axis) in axes.enumerated() {
            let dim = x.shape[axis], s = steps[k]
            guard s != 0 else { throw ZhikuError.invalidInput("slice step 0") }
            var start = starts[k] < 0 ? starts[k] + dim : starts[k]
            var end = ends[k] < 0 ? ends[k] + dim : ends[k]
            if s > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
                shape[axis] = end > start ? (end - start + s - 1) / s : 0
            } else {
                start = min(max(start, -1), dim - 1)
                end = min(max(end, -1), dim - 1)
                shape[axis] = start > end ? (start - end - s - 1) / -s : 0
            }
            begin[axis] = start
            step[axis] = s
        }
        let inStrides = strides(x.shape)
        let count = ONNXTensor.elementCount(shape)
        let outStrides = strides(shape)
        let offsets: [Int] = (0..<count).map { flat in
            var offset = 0, rest = flat
            for d in 0..<rank {
                let i = rest / outStrides[d]
                rest %= outStrides[d]
                offset += (begin[d] + i * step[d]) * inStrides[d]
            }
            return offset
        }
        switch x.values {
        case .float(let v): return ONNXTensor(shape: shape, floats: offsets.map { v[$0] })
        case .int(let v): return ONNXTensor(shape: shape, ints: offsets.map { v[$0] })
        }
    }

    static func concat(_ parts: [ONNXTensor], axis rawAxis: Int) throws -> ONNXTensor {
        guard let first = parts.first else { throw ZhikuError.invalidInput("concat of nothing") }
        let rank = first.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < max(rank, 1) else { throw ZhikuError.invalidInput("concat axis \(rawAxis) for rank \(rank)") }
        var shape = first.shape
        shape[axis] = 0
        for part in parts {
            guard part.shape.count == rank, (0..<rank).allSatisfy({ $0 == axis || part.shape[$0] == first.shape[$0] }) else {
                throw ZhikuError.invalidInput("concat of shapes \(parts.map(\.shape)) on axis \(axis)")
            }
            shape[axis] += part.shape[axis]
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        func join<T>(_ arrays: [[T]]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(ONNXTensor.elementCount(shape))
            for o in 0..<outer {
                for (array, part) in zip(arrays, parts) {
                    let block = part.shape[axis] * inner
                    out.append(contentsOf: array[(o * block)..<((o + 1) * block)])
                }
            }
            return out
        }
        if parts.allSatisfy(\.isInteger) { return ONNXTensor(shape: shape, ints: join(parts.map(\.ints))) }
        return ONNXTensor(shape: shape, floats: join(parts.map(\.floats)))
    }

    /// `x` cut along `axis` into pieces of `sizes`, or into `count` equal pieces (the last one smaller when the axis
    /// does not divide evenly, as onnxruntime cuts it).
    static func split(_ x: ONNXTensor, axis rawAxis: Int, sizes: [Int]?, count: Int) throws -> [ONNXTensor] {
        let rank = x.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0, axis < rank, count > 0 else { throw ZhikuError.invalidInput("split axis \(rawAxis) for shape \(x.shape)") }
        let length = x.shape[axis]
        let pieces: [Int]
        if let sizes, !sizes.isEmpty {
            pieces = sizes
        } else {
            let each = (length + count - 1) / count
            pieces = (0..<count).map { max(0, min(each, length - $0 * each)) }
        }
        guard pieces.count == count, pieces.allSatisfy({ $0 >= 0 }), pieces.reduce(0, +) == length else {
            throw ZhikuError.invalidInput("split of axis \(axis) (\(length)) into \(pieces) for \(count) outputs")
        }
        var start = 0
        return try pieces.map { size in
            defer { start += size }
            return try slice(x, starts: [start], ends: [start + size], axes: [axis], steps: nil)
        }
    }
}
