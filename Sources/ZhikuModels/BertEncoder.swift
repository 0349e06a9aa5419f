import Foundation
import ZhikuCore

/// A BERT-style encoder (post-layer-norm transformer with learned absolute positions) run on OpenBLAS,
/// with mean pooling and L2 normalisation: what sentence-transformers models like all-MiniLM-L6-v2 compute.
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

    struct Layer: Sendable {
        var query, queryBias, key, keyBias, value, valueBias: [Float]
        var attentionOut, attentionOutBias, attentionNormWeight, attentionNormBias: [Float]
        var intermediate, intermediateBias, output, outputBias, outputNormWeight, outputNormBias: [Float]
    }

    public let configuration: Configuration
    let wordEmbeddings, positionEmbeddings, typeEmbeddings, embeddingNormWeight, embeddingNormBias: [Float]
    let layers: [Layer]

    /// Loads the weights of a Hugging Face `BertModel` from a safetensors file.
    public init(weights file: SafeTensorsFile, configuration c: Configuration = .init()) throws {
        configuration = c
        let h = c.hidden
        wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [c.vocabularySize, h])
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [c.maxPositions, h])
        typeEmbeddings = try file.floats("embeddings.token_type_embeddings.weight", shape: [2, h])
        embeddingNormWeight = try file.floats("embeddings.LayerNorm.weight", shape: [h])
        embeddingNormBias = try file.floats("embeddings.LayerNorm.bias", shape: [h])
        layers = try (0..<c.layers).map { i in
            let p = "encoder.layer.\(i)."
            return Layer(
                query: try file.floats(p + "attention.self.query.weight", shape: [h, h]),
                queryBias: try file.floats(p + "attention.self.query.bias", shape: [h]),
                key: try file.floats(p + "attention.self.key.weight", shape: [h, h]),
                keyBias: try file.floats(p + "attention.self.key.bias", shape: [h]),
                value: try file.floats(p + "attention.self.value.weight", shape: [h, h]),
                valueBias: try file.floats(p + "attention.self.value.bias", shape: [h]),
                attentionOut: try file.floats(p + "attention.output.dense.weight", shape: [h, h]),
                attentionOutBias: try file.floats(p + "attention.output.dense.bias", shape: [h]),
                attentionNormWeight: try file.floats(p + "attention.output.LayerNorm.weight", shape: [h]),
                attentionNormBias: try file.floats(p + "attention.output.LayerNorm.bias", shape: [h]),
                intermediate: try file.floats(p + "intermediate.dense.weight", shape: [c.intermediate, h]),
                intermediateBias: try file.floats(p + "intermediate.dense.bias", shape: [c.intermediate]),
                output: try file.floats(p + "output.dense.weight", shape: [h, c.intermediate]),
                outputBias: try file.floats(p + "output.dense.bias", shape: [h]),
                outputNormWeight: try file.floats(p + "output.LayerNorm.weight", shape: [h]),
                outputNormBias: try file.floats(p + "output.LayerNorm.bias", shape: [h]))
        }
    }

    /// Mean-pooled, L2-normalised embeddings of token-id sequences. The sequences are stacked into one matrix
    /// for the position-wise layers; attention runs per sequence, so no padding is computed.
    public func embed(_ sequences: [[Int32]]) -> [[Float]] {
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
                    for i in 0..<h {
                        x[row + i] = wordEmbeddings[id * h + i] + positionEmbeddings[position * h + i] + typeEmbeddings[i]
                    }
                }
            }
        }
        Kernels.layerNorm(&x, rows: rows, width: h, gamma: embeddingNormWeight, beta: embeddingNormBias,
                          epsilon: c.layerNormEpsilon)

        for layer in layers {
            let q = Kernels.linear(x, rows: rows, inFeatures: h, weight: layer.query, bias: layer.queryBias, outFeatures: h)
            let k = Kernels.linear(x, rows: rows, inFeatures: h, weight: layer.key, bias: layer.keyBias, outFeatures: h)
            let v = Kernels.linear(x, rows: rows, inFeatures: h, weight: layer.value, bias: layer.valueBias, outFeatures: h)
            var context = [Float](repeating: 0, count: rows * h)
            q.withUnsafeBufferPointer { q in
                k.withUnsafeBufferPointer { k in
                    v.withUnsafeBufferPointer { v in
                        context.withUnsafeMutableBufferPointer { out in
                            for s in sequences.indices where lengths[s] > 0 {
                                let start = offsets[s] * h
                                Kernels.attention(q: q.baseAddress! + start, k: k.baseAddress! + start,
                                                  v: v.baseAddress! + start, out: out.baseAddress! + start,
                                                  length: lengths[s], heads: c.heads, headSize: h / c.heads)
                            }
                        }
                    }
                }
            }
            var attended = Kernels.linear(context, rows: rows, inFeatures: h, weight: layer.attentionOut,
                                          bias: layer.attentionOutBias, outFeatures: h)
            for i in attended.indices { attended[i] += x[i] }
            Kernels.layerNorm(&attended, rows: rows, width: h, gamma: layer.attentionNormWeight,
                              beta: layer.attentionNormBias, epsilon: c.layerNormEpsilon)
            var inner = Kernels.linear(attended, rows: rows, inFeatures: h, weight: layer.intermediate,
                                       bias: layer.intermediateBias, outFeatures: c.intermediate)
            Kernels.gelu(&inner)
            var out = Kernels.linear(inner, rows: rows, inFeatures: c.intermediate, weight: layer.output,
                                     bias: layer.outputBias, outFeatures: h)
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
            Kernels.normalize(&pooled)
            return pooled
        }
    }
}
