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
        "Slice", "Concat", "Conv", "ConvTranspose", "BatchNormalization", "MaxPool", "AveragePool",
        "GlobalAveragePool", "Resize", "MatMul", "Gemm", "Softmax", "ReduceMean", "LayerNormalization",
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

    /// Runs the graph on `feeds` (one tensor per input name) and returns every graph output by name.
    public func run(_ feeds: [String: ONNXTensor]) throws -> [String: ONNXTensor] {
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
                outputs = try ONNXOperators.apply(step.node, inputs, opset: opset, pool: pool)
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

    /// Folds each BatchNormalization that is the only reader of a convolution's output into that convolution's
    /// weights and bias: `w' = w·γ/√(σ²+ε)`, `b' = (b − μ)·γ/√(σ²+ε) + β`.
    static func foldBatchNorms(_ nodes: inout [ONNXModelFile.Node], constants: inout [String: ONNXTensor], outputs: Set<String>) {
        var readers: [String: Int] = [:]
        for node in nodes { for input in node.inputs where !input.isEmpty { readers[input, default: 0] += 1 } }
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() { for output in node.outputs { producer[output] = index } }
        var removed = Set<Int>()
        for (index, bn) in nodes.enumerated() where bn.opType == "BatchNormalization" && bn.inputs.count >= 5 && bn.outputs.count == 1 {
            let x = bn.inputs[0]
            guard let convIndex = producer[x], nodes[convIndex].opType == "Conv", readers[x] == 1, !outputs.contains(x),
                  let weight = constants[nodes[convIndex].inputs[1]], !weight.isInteger,
                  let scale = constants[bn.inputs[1]]?.floats, let shift = constants[bn.inputs[2]]?.floats,
                  let mean = constants[bn.inputs[3]]?.floats, let variance = constants[bn.inputs[4]]?.floats,
                  let channels = weight.shape.first, scale.count == channels, shift.count == channels,
                  mean.count == channels, variance.count == channels else { continue }
            let epsilon = bn.float("epsilon") ?? 1e-5
            let conv = nodes[convIndex]
            var bias = conv.input(2).flatMap { constants[$0]?.floats } ?? [Float](repeating: 0, count: channels)
            guard bias.count == channels else { continue }
            var w = weight.floats
            let perChannel = w.count / channels
            for c in 0..<channels {
                let factor = scale[c] / (variance[c] + epsilon).squareRoot()
                for i in 0..<perChannel { w[c * perChannel + i] *= factor }
                bias[c] = (bias[c] - mean[c]) * factor + shift[c]
            }
            let weightName = conv.outputs[0] + "::folded_weight", biasName = conv.outputs[0] + "::folded_bias"
            constants[weightName] = ONNXTensor(shape: weight.shape, floats: w)
            constants[biasName] = ONNXTensor(shape: [channels], floats: bias)
            nodes[convIndex].inputs = [conv.inputs[0], weightName, biasName]
            nodes[convIndex].outputs = [bn.outputs[0]]
            removed.insert(index)
        }
        nodes = nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// How many nodes read each value, and which node produces it.
    private static func links(_ nodes: [ONNXModelFile.Node]) -> (readers: [String: Int], producer: [String: Int]) {
        var readers: [String: Int] = [:], producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { readers[input, default: 0] += 1 }
            for output in node.outputs { producer[output] = index }
        }
        return (readers, producer)
    }

    /// For a `Mul` or `Add` of a float constant and a convolution's output that nothing else reads: the
    /// convolution's index and the constant.
    private static func affineAfterConvolution(_ node: ONNXModelFile.Node, _ nodes: [ONNXModelFile.Node],
                                               _ constants: [String: ONNXTensor], _ readers: [String: Int],
                                               _ producer: [String: Int], _ outputs: Set<String>) -> (Int, ONNXTensor)? {
        guard node.opType == "Mul" || node.opType == "Add", node.inputs.count == 2 else { return nil }
        let (x, c) = constants[node.inputs[1]] != nil ? (node.inputs[0], node.inputs[1]) : (node.inputs[1], node.inputs[0])
        guard let factor = constants[c], !factor.isInteger, let convIndex = producer[x], nodes[convIndex].opType == "Conv",
              readers[x] == 1, !outputs.contains(x) else { return nil }
        return (convIndex, factor)
    }

    /// Folds `Mul` then `Add` by constants (a scalar or one value per channel) that follow a convolution into its
    /// weights and bias (PP-LCNetV3's learnable affine blocks): `w' = w·s`, `b' = b·s + t`.
    static func foldAffine(_ nodes: inout [ONNXModelFile.Node], constants: inout [String: ONNXTensor], outputs: Set<String>) {
        var changed = true
        while changed {
            changed = false
            let (readers, producer) = links(nodes)
            for (index, node) in nodes.enumerated() {
                guard let (convIndex, factor) = affineAfterConvolution(node, nodes, constants, readers, producer, outputs),
                      nodes[convIndex].attributes["activation"] == nil,
                      let weight = constants[nodes[convIndex].inputs[1]], !weight.isInteger, let channels = weight.shape.first else { continue }
                // A scalar, or [C], [1, C, 1, 1] / [C, 1, 1] per output channel.
                let values = factor.floats
                let perChannel: [Float]
                if values.count == 1 {
                    perChannel = [Float](repeating: values[0], count: channels)
                } else if values.count == channels, factor.shape.filter({ $0 != 1 }) == [channels],
                          factor.shape.count <= 3 || factor.shape.firstIndex(of: channels) == 1 {
                    perChannel = values
                } else { continue }
                let conv = nodes[convIndex]
                var w = weight.floats
                var bias = conv.input(2).flatMap { constants[$0]?.floats } ?? [Float](repeating: 0, count: channels)
                guard bias.count == channels else { continue }
                let each = w.count / channels
                for ch in 0..<channels {
                    if node.opType == "Mul" {
                        for i in 0..<each { w[ch * each + i] *= perChannel[ch] }
                        bias[ch] *= perChannel[ch]
                    } else {
                        bias[ch] += perChannel[ch]
                    }
                }
                let tag = node.outputs[0]
                constants[tag + "::weight"] = ONNXTensor(shape: weight.shape, floats: w)
                constants[tag + "::bias"] = ONNXTensor(shape: [channels], floats: bias)
                nodes[convIndex].inputs = [conv.inputs[0], tag + "::weight", tag + "::bias"]
                nodes[convIndex].outputs = node.outputs
                nodes.remove(at: index)
                changed = true
                break
            }
        }
    }

    /// Replaces `x · clip(x + 3, 0, 6) / 6` spelled as Add, Clip, Mul, Div (how Paddle exports hard swish) by one
    /// HardSwish node.
    static func fuseHardSwish(_ nodes: inout [ONNXModelFile.Node], constants: [String: ONNXTensor], outputs: Set<String>) {
        func scalar(_ name: String) -> Float? {
            guard let t = constants[name], t.count == 1 else { return nil }
            return t.floats[0]
        }
        var changed = true
        while changed {
            changed = false
            let (readers, _) = links(nodes)
            var consumers: [String: [Int]] = [:]
            for (index, node) in nodes.enumerated() { for input in node.inputs { consumers[input, default: []].append(index) } }
            for (addIndex, add) in nodes.enumerated() where add.opType == "Add" && add.inputs.count == 2 && scalar(add.inputs[1]) == 3 {
                let x = add.inputs[0], sum = add.outputs[0]
                guard readers[sum] == 1, !outputs.contains(sum), let clipIndex = consumers[sum]?.first else { continue }
                let clip = nodes[clipIndex]
                guard clip.opType == "Clip", clip.inputs.count == 3, scalar(clip.inputs[1]) == 0, scalar(clip.inputs[2]) == 6,
                      readers[clip.outputs[0]] == 1, !outputs.contains(clip.outputs[0]),
                      let mulIndex = consumers[clip.outputs[0]]?.first else { continue }
                let mul = nodes[mulIndex]
                guard mul.opType == "Mul", Set(mul.inputs) == [x, clip.outputs[0]], readers[mul.outputs[0]] == 1,
                      !outputs.contains(mul.outputs[0]), let divIndex = consumers[mul.outputs[0]]?.first else { continue }
                let div = nodes[divIndex]
                guard div.opType == "Div", div.inputs.count == 2, div.inputs[0] == mul.outputs[0], scalar(div.inputs[1]) == 6 else { continue }
                nodes[divIndex] = ONNXModelFile.Node(opType: "HardSwish", name: div.name, inputs: [x], outputs: div.outputs, attributes: [:])
                for index in [addIndex, clipIndex, mulIndex].sorted(by: >) { nodes.remove(at: index) }
                changed = true
                break
            }
        }
    }

    /// Applies a Relu, HardSigmoid or HardSwish that is the only reader of a convolution's output inside the
    /// convolution (one pass over the output instead of two).
    static func fuseActivations(_ nodes: inout [ONNXModelFile.Node], outputs: Set<String>) {
        let (readers, producer) = links(nodes)
        var removed = Set<Int>()
        for (index, node) in nodes.enumerated() where ["Relu", "HardSigmoid", "HardSwish"].contains(node.opType) && node.inputs.count == 1 {
            let x = node.inputs[0]
            guard let convIndex = producer[x], nodes[convIndex].opType == "Conv", nodes[convIndex].attributes["activation"] == nil,
                  readers[x] == 1, !outputs.contains(x) else { continue }
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
    static func fusePostAffine(_ nodes: inout [ONNXModelFile.Node], constants: [String: ONNXTensor], outputs: Set<String>) {
        var changed = true
        while changed {
            changed = false
            let (readers, producer) = links(nodes)
            for (index, node) in nodes.enumerated() {
                guard let (convIndex, factor) = affineAfterConvolution(node, nodes, constants, readers, producer, outputs),
                      factor.count == 1, nodes[convIndex].attributes["activation"] != nil,
                      nodes[convIndex].attributes["post_shift"] == nil else { continue }
                let value = factor.floats[0]
                if node.opType == "Mul" {
                    guard nodes[convIndex].attributes["post_scale"] == nil else { continue }
                    nodes[convIndex].attributes["post_scale"] = .float(value)
                } else {
                    nodes[convIndex].attributes["post_shift"] = .float(value)
                }
                nodes[convIndex].outputs = node.outputs
                nodes.remove(at: index)
                changed = true
                break
            }
        }
    }
}
