import Foundation
import ZhikuCore

/// Runs an ``ONNXModelFile`` on the CPU, node by node in the file's order (ONNX requires a topological one), with
/// every intermediate value freed after its last use. Checked at load: every operator is one this interpreter
/// implements (else the error names it), and batch normalisations that follow a convolution are folded into its
/// weights. A session holds no per-run state, so one may serve several threads.
public final class ONNXSession: Sendable {
    /// The operators implemented (default domain).
    public static let supportedOperators: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Exp", "HardSigmoid",
        "HardSwish", "Clip", "Identity", "Cast", "Shape", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose",
        "Slice", "Split", "Concat", "Conv", "ConvTranspose", "BatchNormalization", "MaxPool", "AveragePool",
        "GlobalAveragePool", "Resize", "MatMul", "Gemm", "Softmax", "ReduceMean", "ReduceMax", "ReduceSum", "ArgMax",
        "Gather", "LayerNormalization",
    ]

    struct Step: Sendable {
        var node: ONNXModelFile.Node
        var inputs: [Int?]
        var outputs: [Int]
        /// Values whose last use is this step, freed after it.
        var frees: [Int]
    }

    let name: String
    let steps: [Step]
    let constants: [Int: ONNXTensor]
    let valueCount: Int
    let inputIDs: [String: Int]
    let outputIDs: [(String, Int)]
    let opset: Int
    /// The model's metadata.
    public let metadata: [String: String]
    /// The names of the inputs to feed.
    public let inputNames: [String]
    /// The names of the graph's outputs, in the model's order.
    public var outputNames: [String] { outputIDs.map(\.0) }

    /// Loads the model at `url`.
    public convenience init(contentsOf url: URL) throws {
        try self.init(ONNXModelFile(contentsOf: url), name: url.lastPathComponent)
    }

    public init(_ model: ONNXModelFile, name: String) throws {
        self.name = name
        metadata = model.metadata
        opset = model.opsetVersion
        inputNames = model.inputs
        var nodes = model.nodes
        var constantTensors = model.constants
        let graphOutputs = Set(model.outputs)
        Self.foldBatchNorms(&nodes, constants: &constantTensors, outputs: graphOutputs)
        Self.foldAffine(&nodes, constants: &constantTensors, outputs: graphOutputs)
        Self.fuseHardSwish(&nodes, constants: constantTensors, outputs: graphOutputs)
        Self.fuseActivations(&nodes, outputs: graphOutputs)
        Self.fusePostAffine(&nodes, constants: constantTensors, outputs: graphOutputs)
        // Weights replaced by folded copies are read by no node any more: not kept.
        let read = Set(nodes.flatMap(\.inputs)).union(graphOutputs)
        constantTensors = constantTensors.filter { read.contains($0.key) }
        for node in nodes where !Self.supportedOperators.contains(node.opType) {
            throw ZhikuError.invalidInput("ONNX model \(name): operator \(node.opType) (node '\(node.name)') is not supported")
        }
        var ids: [String: Int] = [:]
        func id(_ value: String) -> Int {
            if let existing = ids[value] { return existing }
            ids[value] = ids.count
            return ids.count - 1
        }
        var constants: [Int: ONNXTensor] = [:]
        for (key, tensor) in constantTensors { constants[id(key)] = tensor }
        var inputIDs: [String: Int] = [:]
        for input in model.inputs { inputIDs[input] = id(input) }
        var produced = Set(constants.keys).union(inputIDs.values)
        var steps: [Step] = []
        for node in nodes {
            let inputs: [Int?] = node.inputs.map { $0.isEmpty ? nil : id($0) }
            for case let input? in inputs where !produced.contains(input) {
                let missing = ids.first { $0.value == input }?.key ?? "?"
                throw ZhikuError.invalidInput("ONNX model \(name): node '\(node.name)' (\(node.opType)) reads '\(missing)' before anything produces it")
            }
            let outputs = node.outputs.map(id)
            produced.formUnion(outputs)
            steps.append(Step(node: node, inputs: inputs, outputs: outputs, frees: []))
        }
        var outputIDs: [(String, Int)] = []
        for output in model.outputs {
            guard let outputID = ids[output], produced.contains(outputID) else {
                throw ZhikuError.invalidInput("ONNX model \(name): nothing produces the output '\(output)'")
            }
            outputIDs.append((output, outputID))
        }
        // Free each computed value after its last reader (graph outputs and weights are kept).
        var lastUse: [Int: Int] = [:]
        for (index, step) in steps.enumerated() { for case let input? in step.inputs { lastUse[input] = index } }
        let kept = Set(outputIDs.map(\.1)).union(constants.keys)
        for (value, index) in lastUse where !kept.contains(value) { steps[index].frees.append(value) }
        self.steps = steps
        if ProcessInfo.processInfo.environment["ZHIKU_ONNX_PROFILE"] != nil {
            var counts: [String: Int] = [:]
            for step in steps { counts[step.node.opType + (step.node.string("activation").map { "+" + $0 } ?? ""), default: 0] += 1 }
            FileHandle.standardError.write("\(name) steps: \(counts.sorted { $0.value > $1.value })\n".data(using: .utf8)!)
        }
        self.constants = constants
        self.inputIDs = inputIDs
        self.outputIDs = outputIDs
        valueCount = ids.count
    }

    /// Runs the graph on `feeds` (one tensor per input name) and returns every graph output by name. `parts` > 1
    /// splits each convolution's work between that many cores (see ``ONNXOperators/convolution``).
    public func run(_ feeds: [String: ONNXTensor], parts: Int = 1) throws -> [String: ONNXTensor] {
        var values = [ONNXTensor?](repeating: nil, count: valueCount)
        for (key, tensor) in constants { values[key] = tensor }
        for (input, id) in inputIDs {
            guard let tensor = feeds[input] else { throw ZhikuError.invalidInput("ONNX model \(name): no value for input '\(input)'") }
            _ = try ONNXTensor.checkedCount(tensor.shape, context: "ONNX model \(name), input '\(input)'")
            values[id] = tensor
        }
        let pool = ONNXBufferPool()
        let profiling = ProcessInfo.processInfo.environment["ZHIKU_ONNX_PROFILE"] != nil
        var spent: [String: Double] = [:]
        defer {
            if profiling {
                let lines = spent.sorted { $0.value > $1.value }.prefix(12).map { "  \($0.key) \(String(format: "%.3f", $0.value))" }
                FileHandle.standardError.write(("\(name):\n" + lines.joined(separator: "\n") + "\n").data(using: .utf8)!)
            }
        }
        for step in steps {
            let started = profiling ? Date() : Date.distantPast
            defer {
                if profiling {
                    var key = step.node.opType
                    if key == "Conv" { key += (step.node.int("group") ?? 1) > 1 ? " dw\(step.node.ints("kernel_shape") ?? [])" : " \(step.node.ints("kernel_shape") ?? [])" }
                    spent[key, default: 0] += Date().timeIntervalSince(started)
                }
            }
            let inputs = step.inputs.map { $0.flatMap { values[$0] } }
            let outputs: [ONNXTensor]
            do {
                outputs = try ONNXOperators.apply(step.node, inputs, opset: opset, pool: pool, parts: parts)
            } catch let error as ZhikuError {
                throw ZhikuError(error.code, "ONNX model \(name), node '\(step.node.name)' (\(step.node.opType)): \(error.message)")
            }
            for (id, tensor) in zip(step.outputs, outputs) { values[id] = tensor }
            for id in step.frees {
                guard let tensor = values[id] else { continue }
                values[id] = nil
                if case .float(let buffer) = tensor.values { pool.recycle(buffer) }
            }
        }
        var result: [String: ONNXTensor] = [:]
        for (output, id) in outputIDs { result[output] = values[id] }
        return result
    }

    typealias Node = ONNXModelFile.Node
    /// How many nodes read each value, and which node produces it.
    typealias Links = (readers: [String: Int], producer: [String: Int])

    private static func links(_ nodes: [Node]) -> Links {
        var readers: [String: Int] = [:], producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { readers[input, default: 0] += 1 }
            for output in node.outputs { producer[output] = index }
        }
        return (readers, producer)
    }

    /// Applies `rule` at each node until it changes nothing; after a change the links are taken again and the scan
    /// starts over.
    private static func rewrite(_ nodes: inout [Node], _ rule: (inout [Node], Int, Links) -> Bool) {
        var changed = true
        while changed {
            changed = false
            let current = links(nodes)
            for index in nodes.indices where rule(&nodes, index, current) {
                changed = true
                break
            }
        }
    }

    /// The convolution whose output only `value` reads (and is not a graph output): its index.
    private static func convolution(feeding value: String, _ nodes: [Node], _ links: Links, _ outputs: Set<String>) -> Int? {
        guard let index = links.producer[value], nodes[index].opType == "Conv", links.readers[value] == 1, !outputs.contains(value) else { return nil }
        return index
    }

    /// Makes convolution `convIndex` compute `y·scale + shift` per output channel by changing its weights and bias,
    /// and take over the outputs of node `replaced`, which is removed. False when the weights are not constants.
    private static func fold(into convIndex: Int, scale: [Float], shift: [Float], replacing replaced: Int,
                             _ nodes: inout [Node], _ constants: inout [String: ONNXTensor]) -> Bool {
        let conv = nodes[convIndex]
        guard let weight = constants[conv.inputs[1]], !weight.isInteger, let channels = weight.shape.first,
              scale.count == channels, shift.count == channels else { return false }
        var bias = conv.input(2).flatMap { constants[$0]?.floats } ?? [Float](repeating: 0, count: channels)
        guard bias.count == channels else { return false }
        var w = weight.floats
        let each = w.count / channels
        for c in 0..<channels {
            for i in 0..<each { w[c * each + i] *= scale[c] }
            bias[c] = bias[c] * scale[c] + shift[c]
        }
        let tag = nodes[replaced].outputs[0]
        constants[tag + "::weight"] = ONNXTensor(shape: weight.shape, floats: w)
        constants[tag + "::bias"] = ONNXTensor(shape: [channels], floats: bias)
        nodes[convIndex].inputs = [conv.inputs[0], tag + "::weight", tag + "::bias"]
        nodes[convIndex].outputs = nodes[replaced].outputs
        nodes.remove(at: replaced)
        return true
    }

    /// Folds each BatchNormalization that is the only reader of a convolution's output into that convolution's
    /// weights and bias (``ONNXOperators/batchNormAffine(scale:shift:mean:variance:epsilon:)``).
    static func foldBatchNorms(_ nodes: inout [Node], constants: inout [String: ONNXTensor], outputs: Set<String>) {
        rewrite(&nodes) { nodes, index, links in
            let bn = nodes[index]
            guard bn.opType == "BatchNormalization", bn.inputs.count >= 5, bn.outputs.count == 1,
                  let convIndex = convolution(feeding: bn.inputs[0], nodes, links, outputs),
                  let scale = constants[bn.inputs[1]]?.floats, let shift = constants[bn.inputs[2]]?.floats,
                  let mean = constants[bn.inputs[3]]?.floats, let variance = constants[bn.inputs[4]]?.floats,
                  let affine = ONNXOperators.batchNormAffine(scale: scale, shift: shift, mean: mean, variance: variance,
                                                             epsilon: bn.float("epsilon") ?? 1e-5) else { return false }
            return fold(into: convIndex, scale: affine.factor, shift: affine.offset, replacing: index, &nodes, &constants)
        }
    }

    /// For a `Mul` or `Add` of a float constant and a convolution's output that nothing else reads: the
    /// convolution's index and the constant.
    private static func affineAfterConvolution(_ node: Node, _ nodes: [Node], _ constants: [String: ONNXTensor], _ links: Links,
                                               _ outputs: Set<String>) -> (Int, ONNXTensor)? {
        guard node.opType == "Mul" || node.opType == "Add", node.inputs.count == 2 else { return nil }
        let (x, c) = constants[node.inputs[1]] != nil ? (node.inputs[0], node.inputs[1]) : (node.inputs[1], node.inputs[0])
        guard let factor = constants[c], !factor.isInteger, let convIndex = convolution(feeding: x, nodes, links, outputs) else { return nil }
        return (convIndex, factor)
    }

    /// Folds `Mul` then `Add` by constants (a scalar or one value per channel) that follow a convolution into its
    /// weights and bias (PP-LCNetV3's learnable affine blocks): `w' = w·s`, `b' = b·s + t`.
    static func foldAffine(_ nodes: inout [Node], constants: inout [String: ONNXTensor], outputs: Set<String>) {
        rewrite(&nodes) { nodes, index, links in
            let node = nodes[index]
            guard let (convIndex, factor) = affineAfterConvolution(node, nodes, constants, links, outputs),
                  nodes[convIndex].attributes["activation"] == nil,
                  let channels = constants[nodes[convIndex].inputs[1]]?.shape.first else { return false }
            // A scalar, or [C], [1, C, 1, 1] / [C, 1, 1] per output channel.
            let values = factor.floats
            let perChannel: [Float]
            if values.count == 1 {
                perChannel = [Float](repeating: values[0], count: channels)
            } else if values.count == channels, factor.shape.filter({ $0 != 1 }) == [channels],
                      factor.shape.count <= 3 || factor.shape.firstIndex(of: channels) == 1 {
                perChannel = values
            } else { return false }
            let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
            return node.opType == "Mul"
                ? fold(into: convIndex, scale: perChannel, shift: zeros, replacing: index, &nodes, &constants)
                : fold(into: convIndex, scale: ones, shift: perChannel, replacing: index, &nodes, &constants)
        }
    }

    /// Replaces `x · clip(x + 3, 0, 6) / 6` spelled as Add, Clip, Mul, Div (how Paddle exports hard swish) by one
    /// HardSwish node.
    static func fuseHardSwish(_ nodes: inout [Node], constants: [String: ONNXTensor], outputs: Set<String>) {
        func scalar(_ name: String) -> Float? {
            guard let t = constants[name], t.count == 1 else { return nil }
            return t.floats[0]
        }
        rewrite(&nodes) { nodes, addIndex, links in
            /// The only node reading `value`, when exactly one does and it is not a graph output.
            func soleReader(_ value: String) -> Int? {
                guard links.readers[value] == 1, !outputs.contains(value) else { return nil }
                return nodes.firstIndex { $0.inputs.contains(value) }
            }
            let add = nodes[addIndex]
            guard add.opType == "Add", add.inputs.count == 2, scalar(add.inputs[1]) == 3 else { return false }
            let x = add.inputs[0]
            guard let clipIndex = soleReader(add.outputs[0]) else { return false }
            let clip = nodes[clipIndex]
            guard clip.opType == "Clip", clip.inputs.count == 3, scalar(clip.inputs[1]) == 0, scalar(clip.inputs[2]) == 6,
                  let mulIndex = soleReader(clip.outputs[0]) else { return false }
            let mul = nodes[mulIndex]
            guard mul.opType == "Mul", Set(mul.inputs) == [x, clip.outputs[0]], let divIndex = soleReader(mul.outputs[0]) else { return false }
            let div = nodes[divIndex]
            guard div.opType == "Div", div.inputs.count == 2, div.inputs[0] == mul.outputs[0], scalar(div.inputs[1]) == 6 else { return false }
            nodes[divIndex] = Node(opType: "HardSwish", name: div.name, inputs: [x], outputs: div.outputs, attributes: [:])
            for index in [addIndex, clipIndex, mulIndex].sorted(by: >) { nodes.remove(at: index) }
            return true
        }
    }

    /// Applies a Relu, HardSigmoid or HardSwish that is the only reader of a convolution's output inside the
    /// convolution (one pass over the output instead of two).
    static func fuseActivations(_ nodes: inout [ONNXModelFile.Node], outputs: Set<String>) {
        let current = links(nodes)
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() where ["Relu", "HardSigmoid", "HardSwish"].contains(node.opType) && node.inputs.count == 1 {
            guard let convIndex = convolution(feeding: node.inputs[0], nodes, current, outputs),
                  nodes[convIndex].attributes["activation"] == nil else { continue }
            nodes[convIndex].attributes["activation"] = .string(node.opType)
            if let alpha = node.attributes["alpha"] { nodes[convIndex].attributes["activation_alpha"] = alpha }
            if let beta = node.attributes["beta"] { nodes[convIndex].attributes["activation_beta"] = beta }
            nodes[convIndex].outputs = node.outputs
            removed.insert(index)
        }
        nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// Absorbs a scalar `Mul` and then a scalar `Add` that follow a convolution with a fused activation
    /// (PP-LCNetV3's affine block after each activation) into the convolution: `act(x)·s + t` in the same pass.
    static func fusePostAffine(_ nodes: inout [Node], constants: [String: ONNXTensor], outputs: Set<String>) {
        rewrite(&nodes) { nodes, index, links in
            let node = nodes[index]
            guard let (convIndex, factor) = affineAfterConvolution(node, nodes, constants, links, outputs),
                  factor.count == 1, nodes[convIndex].attributes["activation"] != nil,
                  nodes[convIndex].attributes["post_shift"] == nil else { return false }
            let key = node.opType == "Mul" ? "post_scale" : "post_shift"
            guard nodes[convIndex].attributes[key] == nil else { return false }
            nodes[convIndex].attributes[key] = .float(factor.floats[0])
            nodes[convIndex].outputs = node.outputs
            nodes.remove(at: index)
            return true
        }
    }
}
