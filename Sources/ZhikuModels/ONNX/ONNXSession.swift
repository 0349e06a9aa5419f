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
        Self.foldBatchNorms(&nodes, constants: &constantTensors, outputs: Set(model.outputs))
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
        for step in steps {
            let inputs = step.inputs.map { $0.flatMap { values[$0] } }
            let outputs: [ONNXTensor]
            do {
                outputs = try ONNXOperators.apply(step.node, inputs, opset: opset)
            } catch let error as ZhikuError {
                throw ZhikuError(error.code, "ONNX model \(name), node '\(step.node.name)' (\(step.node.opType)): \(error.message)")
            }
            for (id, tensor) in zip(step.outputs, outputs) { values[id] = tensor }
            for id in step.frees { values[id] = nil }
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
}
