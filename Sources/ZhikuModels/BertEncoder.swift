import Foundation
import ZhikuCore

/// A BERT-style encoder (post-layer-norm transformer with learned absolute positions, exact GELU) on OpenBLAS,
/// with mean pooling: what sentence-transformers' MiniLM and E5 models compute.
public struct BertEncoder: Sendable {
    public struct Configuration: Sendable {
        public var vocabularySize = 30522
        public var hidden = 384
        public var layers = 6
        public var heads = 12
        public var intermediate = 1536
        public var maxPositions = 512
        public var layerNormEpsilon: Float = 1e-12

        public init() {}
    }

    public struct Layer: Sendable {
        /// The query, key and value projections as one product (their outputs side by side in each row).
        public var queryKeyValue: Linear
        public var attentionOutput, intermediate, output: Linear
        public var attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: [Float]

        public init(query: Linear, key: Linear, value: Linear, attentionOutput: Linear, intermediate: Linear,
                    output: Linear, attentionNormWeight: [Float], attentionNormBias: [Float],
                    outputNormWeight: [Float], outputNormBias: [Float]) {
            queryKeyValue = Linear.stacked([query, key, value])
            self.attentionOutput = attentionOutput
            self.intermediate = intermediate
            self.output = output
            self.attentionNormWeight = attentionNormWeight
            self.attentionNormBias = attentionNormBias
            self.outputNormWeight = outputNormWeight
            self.outputNormBias = outputNormBias
        }
    }

    public let configuration: Configuration
    let tokens: TokenEmbeddings
    let positions, types, embeddingNormWeight, embeddingNormBias: [Float]
    let layers: [Layer]

    public init(configuration: Configuration, tokens: TokenEmbeddings, positions: [Float], types: [Float],
                embeddingNormWeight: [Float], embeddingNormBias: [Float], layers: [Layer]) {
        self.configuration = configuration
        self.tokens = tokens
        self.positions = positions
        self.types = types
        self.embeddingNormWeight = embeddingNormWeight
        self.embeddingNormBias = embeddingNormBias
        self.layers = layers
    }

    /// Loads the weights of a Hugging Face `BertModel` from a safetensors file.
    public init(weights file: SafeTensorsFile, configuration c: Configuration = .init()) throws {
        let h = c.hidden
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> Linear {
            Linear(weight: try file.floats(name + ".weight", shape: [out, inp]), bias: try file.floats(name + ".bias", shape: [out]),
                   inFeatures: inp, outFeatures: out)
        }
        let layers = try (0..<c.layers).map { i in
            let p = "encoder.layer.\(i)."
            return Layer(
                query: try linear(p + "attention.self.query", h, h),
                key: try linear(p + "attention.self.key", h, h),
                value: try linear(p + "attention.self.value", h, h),
                attentionOutput: try linear(p + "attention.output.dense", h, h),
                intermediate: try linear(p + "intermediate.dense", c.intermediate, h),
                output: try linear(p + "output.dense", h, c.intermediate),
                attentionNormWeight: try file.floats(p + "attention.output.LayerNorm.weight", shape: [h]),
                attentionNormBias: try file.floats(p + "attention.output.LayerNorm.bias", shape: [h]),
                outputNormWeight: try file.floats(p + "output.LayerNorm.weight", shape: [h]),
                outputNormBias: try file.floats(p + "output.LayerNorm.bias", shape: [h]))
        }
        self.init(configuration: c,
                  tokens: .dense(try file.floats("embeddings.word_embeddings.weight", shape: [c.vocabularySize, h])),
                  positions: try file.floats("embeddings.position_embeddings.weight", shape: [c.maxPositions, h]),
                  types: try file.floats("embeddings.token_type_embeddings.weight", shape: [2, h]),
                  embeddingNormWeight: try file.floats("embeddings.LayerNorm.weight", shape: [h]),
                  embeddingNormBias: try file.floats("embeddings.LayerNorm.bias", shape: [h]),
                  layers: layers)
    }

    /// Mean-pooled, L2-normalised embeddings of token-id sequences.
    public func embed(_ sequences: [[Int32]]) -> [[Float]] {
        meanPooled(sequences).map { v in
            var v = v
            Kernels.normalize(&v)
            return v
        }
    }

    /// The mean of each sequence's final hidden states (not normalised). The batch is split across the cores
    /// (OpenBLAS runs single-threaded per call, which avoids its thread hand-offs on these small matrices).
    public func meanPooled(_ sequences: [[Int32]]) -> [[Float]] {
        // Always one BLAS thread per call: callers already run in parallel (a batch split here, several ingest
        // jobs at once), and OpenBLAS's own threads would spin against them.
        Kernels.useSingleThreadedBLAS()
        let parts = min(sequences.count, ProcessInfo.processInfo.activeProcessorCount)
        // One text (a query): its matrices are split between the cores instead.
        guard parts > 1 else { return meanPooledSerially(sequences, matrixParts: WeightMatrix.parallelism) }
        return CoreSplit.map(sequences, parts: parts) { meanPooledSerially($0) }
    }

    /// One forward pass over the sequences stacked into one matrix for the position-wise layers; attention runs
    /// per sequence, so no padding is computed.
    func meanPooledSerially(_ sequences: [[Int32]], matrixParts: Int = 1) -> [[Float]] {
        let c = configuration, h = c.hidden
        let lengths = sequences.map { min($0.count, c.maxPositions) }
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let rows = offsets.last!
        guard rows > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }

        var x = [Float](repeating: 0, count: rows * h)
        x.withUnsafeMutableBufferPointer { x in
            for (s, sequence) in sequences.enumerated() {
                for position in 0..<lengths[s] {
                    let token = Int(sequence[position])
                    let id = (0..<c.vocabularySize).contains(token) ? token : 0
                    let row = (offsets[s] + position) * h
                    tokens.row(id, width: h, into: x.baseAddress! + row)
                    for i in 0..<h { x[row + i] += positions[position * h + i] + types[i] }
                }
            }
        }
        Kernels.layerNorm(&x, rows: rows, width: h, gamma: embeddingNormWeight, beta: embeddingNormBias,
                          epsilon: c.layerNormEpsilon)

        for layer in layers {
            let qkv = layer.queryKeyValue(x, rows: rows, parts: matrixParts)
            var context = [Float](repeating: 0, count: rows * h)
            qkv.withUnsafeBufferPointer { qkv in
                context.withUnsafeMutableBufferPointer { out in
                    nonisolated(unsafe) let qkv = qkv.baseAddress!, out = out.baseAddress!
                    // One text alone: its heads are split between the cores, as its products are.
                    let parts = min(matrixParts, c.heads), headSize = h / c.heads
                    let run: @Sendable (Int) -> Void = { part in
                        let first = c.heads * part / parts, count = c.heads * (part + 1) / parts - first
                        for s in sequences.indices where lengths[s] > 0 {
                            let q = qkv + offsets[s] * 3 * h + first * headSize
                            Kernels.attention(q: q, k: q + h, v: q + 2 * h, out: out + offsets[s] * h + first * headSize,
                                              length: lengths[s], heads: count, headSize: headSize, stride: 3 * h, outStride: h)
                        }
                    }
                    ComputeThreads.concurrentPerform(iterations: parts, execute: run)
                }
            }
            var attended = layer.attentionOutput(context, rows: rows, parts: matrixParts)
            for i in attended.indices { attended[i] += x[i] }
            Kernels.layerNorm(&attended, rows: rows, width: h, gamma: layer.attentionNormWeight,
                              beta: layer.attentionNormBias, epsilon: c.layerNormEpsilon)
            let inner = layer.intermediate(attended, rows: rows, parts: matrixParts, activation: .gelu)
            var out = layer.output(inner, rows: rows, parts: matrixParts)
            for i in out.indices { out[i] += attended[i] }
            Kernels.layerNorm(&out, rows: rows, width: h, gamma: layer.outputNormWeight, beta: layer.outputNormBias,
                              epsilon: c.layerNormEpsilon)
            x = out
        }

        return sequences.indices.map { s in
            var pooled = [Float](repeating: 0, count: h)
            for r in offsets[s]..<offsets[s + 1] {
                for i in 0..<h { pooled[i] += x[r * h + i] }
            }
            if lengths[s] > 0 { for i in 0..<h { pooled[i] /= Float(lengths[s]) } }
            return pooled
        }
    }
}
