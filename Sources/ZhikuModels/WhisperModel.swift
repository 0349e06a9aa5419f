import Foundation
import ZhikuCore

/// Whisper's encoder–decoder transformer, computed in float32 from a CTranslate2 `WhisperSpec` model file:
/// two GELU convolutions and pre-norm self-attention layers over 30 s of log-mel features (1 500 positions), then a
/// pre-norm decoder (causal self-attention with a key–value cache, cross-attention to the encoder's output, GELU
/// feed-forward) whose output is projected on the token embeddings.
public final class WhisperModel: Sendable {
    struct Norm: Sendable {
        let gamma: [Float], beta: [Float]
        func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
            var y = x
            Kernels.layerNorm(&y, rows: rows, width: gamma.count, gamma: gamma, beta: beta, epsilon: 1e-5)
            return y
        }
    }

    struct EncoderLayer: Sendable {
        let attentionNorm: Norm, qkv: Linear, attentionOut: Linear
        let ffnNorm: Norm, up: Linear, down: Linear
    }

    struct DecoderLayer: Sendable {
        let selfNorm: Norm, selfQKV: Linear, selfOut: Linear
        let crossNorm: Norm, crossQuery: Linear, crossKV: Linear, crossOut: Linear
        let ffnNorm: Norm, up: Linear, down: Linear
    }

    public let width: Int
    public let heads: Int
    public let vocabularySize: Int
    /// Positions the decoder has embeddings for (448).
    public let maxTokens: Int
    /// Encoder positions (1 500 = 3 000 feature frames after the stride-2 convolution).
    public let audioPositions: Int
    public let melBins: Int
    let conv1: Linear, conv2: Linear
    let encoderPositions: [Float]
    let encoderLayers: [EncoderLayer]
    let encoderNorm: Norm
    let embeddings: [Float]
    let decoderPositions: [Float]
    let decoderLayers: [DecoderLayer]
    let decoderNorm: Norm

    public init(file: CTranslate2ModelFile) throws {
        guard file.specName == "WhisperSpec" else {
            throw ModelFileReader.corrupt(file.url.lastPathComponent, "it holds a \(file.specName), not a WhisperSpec")
        }
        heads = try file.integer("encoder/num_heads")
        let conv1Shape = file.variables["encoder/conv1/weight"]?.shape ?? []
        guard conv1Shape.count == 3, conv1Shape[2] == 3 else {
            throw ModelFileReader.corrupt(file.url.lastPathComponent, "encoder/conv1/weight has shape \(conv1Shape)")
        }
        width = conv1Shape[0]
        melBins = conv1Shape[1]
        let d = width
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> Linear {
            Linear(weight: try file.floats(name + "/weight", shape: [out, inp]), bias: try file.floats(name + "/bias", shape: [out]),
                   inFeatures: inp, outFeatures: out)
        }
        func norm(_ name: String) throws -> Norm {
            Norm(gamma: try file.floats(name + "/gamma", shape: [d]), beta: try file.floats(name + "/beta", shape: [d]))
        }
        func layerCount(_ prefix: String) -> Int {
            var n = 0
            while file.variables["\(prefix)/layer_\(n)/ffn/linear_0/weight"] != nil { n += 1 }
            return n
        }
        conv1 = Linear(weight: try file.floats("encoder/conv1/weight", shape: [d, melBins, 3]),
                       bias: try file.floats("encoder/conv1/bias", shape: [d]), inFeatures: melBins * 3, outFeatures: d)
        conv2 = Linear(weight: try file.floats("encoder/conv2/weight", shape: [d, d, 3]),
                       bias: try file.floats("encoder/conv2/bias", shape: [d]), inFeatures: d * 3, outFeatures: d)
        encoderPositions = try file.floats("encoder/position_encodings/encodings")
        audioPositions = encoderPositions.count / d
        let ffn = file.variables["encoder/layer_0/ffn/linear_0/weight"]?.shape.first ?? 4 * d
        encoderLayers = try (0..<layerCount("encoder")).map { i in
            let p = "encoder/layer_\(i)"
            return EncoderLayer(
                attentionNorm: try norm("\(p)/self_attention/layer_norm"), qkv: try linear("\(p)/self_attention/linear_0", 3 * d, d),
                attentionOut: try linear("\(p)/self_attention/linear_1", d, d),
                ffnNorm: try norm("\(p)/ffn/layer_norm"), up: try linear("\(p)/ffn/linear_0", ffn, d),
                down: try linear("\(p)/ffn/linear_1", d, ffn))
        }
        encoderNorm = try norm("encoder/layer_norm")
        embeddings = try file.floats("decoder/embeddings/weight")
        vocabularySize = embeddings.count / d
        decoderPositions = try file.floats("decoder/position_encodings/encodings")
        maxTokens = decoderPositions.count / d
        decoderLayers = try (0..<layerCount("decoder")).map { i in
            let p = "decoder/layer_\(i)"
            return DecoderLayer(
                selfNorm: try norm("\(p)/self_attention/layer_norm"), selfQKV: try linear("\(p)/self_attention/linear_0", 3 * d, d),
                selfOut: try linear("\(p)/self_attention/linear_1", d, d),
                crossNorm: try norm("\(p)/attention/layer_norm"), crossQuery: try linear("\(p)/attention/linear_0", d, d),
                crossKV: try linear("\(p)/attention/linear_1", 2 * d, d), crossOut: try linear("\(p)/attention/linear_2", d, d),
                ffnNorm: try norm("\(p)/ffn/layer_norm"), up: try linear("\(p)/ffn/linear_0", ffn, d),
                down: try linear("\(p)/ffn/linear_1", d, ffn))
        }
        decoderNorm = try norm("decoder/layer_norm")
    }

    /// Feature frames one encoder pass takes (3 000).
    public var windowFrames: Int { audioPositions * 2 }

    // MARK: Encoder

    /// The encoder's output [audioPositions × width] for one window of features [melBins × windowFrames].
    public func encode(_ features: [Float]) -> [Float] {
        let frames = windowFrames, d = width
        precondition(features.count == melBins * frames, "a window has \(melBins) × \(frames) features")
        // conv1 (kernel 3, padding 1): im2col rows are time steps, columns channel·3 + tap.
        var columns = [Float](repeating: 0, count: frames * melBins * 3)
        for t in 0..<frames {
            for c in 0..<melBins {
                for tap in 0..<3 {
                    let source = t + tap - 1
                    if source >= 0, source < frames { columns[(t * melBins + c) * 3 + tap] = features[c * frames + source] }
                }
            }
        }
        var x = conv1(columns, rows: frames)
        Kernels.gelu(&x)
        // conv2 (kernel 3, stride 2, padding 1) over the time-major [frames × d] activations.
        let positions = audioPositions
        columns = [Float](repeating: 0, count: positions * d * 3)
        for t in 0..<positions {
            for tap in 0..<3 {
                let source = 2 * t + tap - 1
                guard source >= 0, source < frames else { continue }
                for c in 0..<d { columns[(t * d + c) * 3 + tap] = x[source * d + c] }
            }
        }
        x = conv2(columns, rows: positions)
        Kernels.gelu(&x)
        for i in 0..<(positions * d) { x[i] += encoderPositions[i] }
        for layer in encoderLayers {
            let qkv = layer.qkv(layer.attentionNorm(x, rows: positions), rows: positions)
            let (q, k, v) = Self.split(qkv, rows: positions, width: d)
            var attended = [Float](repeating: 0, count: positions * d)
            q.withUnsafeBufferPointer { q in
                k.withUnsafeBufferPointer { k in
                    v.withUnsafeBufferPointer { v in
                        attended.withUnsafeMutableBufferPointer { o in
                            Kernels.attention(q: q.baseAddress!, k: k.baseAddress!, v: v.baseAddress!, out: o.baseAddress!,
                                              length: positions, heads: heads, headSize: d / heads)
                        }
                    }
                }
            }
            Self.add(layer.attentionOut(attended, rows: positions), to: &x)
            var hidden = layer.up(layer.ffnNorm(x, rows: positions), rows: positions)
            Kernels.gelu(&hidden)
            Self.add(layer.down(hidden, rows: positions), to: &x)
        }
        return encoderNorm(x, rows: positions)
    }

    // MARK: Decoder

    /// The decoder's state for one window: cross-attention keys and values of the encoder output, and the
    /// self-attention cache of the tokens decoded so far.
    public struct DecoderState: Sendable {
        var crossKeys: [[Float]]
        var crossValues: [[Float]]
        var keys: [[Float]]
        var values: [[Float]]
        public internal(set) var length = 0
    }

    /// A fresh decoder state over `encoded` (from ``encode(_:)``).
    public func decoderState(encoded: [Float]) -> DecoderState {
        let d = width, positions = audioPositions
        var crossKeys: [[Float]] = [], crossValues: [[Float]] = []
        for layer in decoderLayers {
            let kv = layer.crossKV(encoded, rows: positions)
            var k = [Float](repeating: 0, count: positions * d), v = k
            for r in 0..<positions {
                for c in 0..<d {
                    k[r * d + c] = kv[r * 2 * d + c]
                    v[r * d + c] = kv[r * 2 * d + d + c]
                }
            }
            crossKeys.append(k)
            crossValues.append(v)
        }
        return DecoderState(crossKeys: crossKeys, crossValues: crossValues,
                            keys: Array(repeating: [], count: decoderLayers.count),
                            values: Array(repeating: [], count: decoderLayers.count))
    }

    /// Feeds `tokens` after the ones already in `state`; returns the logits [tokens.count × vocabularySize].
    public func decode(_ tokens: [Int32], state: inout DecoderState, lastOnly: Bool = false) -> [Float] {
        let d = width, n = tokens.count, first = state.length
        precondition(first + n <= maxTokens, "Whisper's decoder takes at most \(maxTokens) tokens")
        var x = [Float](repeating: 0, count: n * d)
        for (r, token) in tokens.enumerated() {
            let id = Int(token), position = first + r
            for c in 0..<d { x[r * d + c] = embeddings[id * d + c] + decoderPositions[position * d + c] }
        }
        for (i, layer) in decoderLayers.enumerated() {
            let qkv = layer.selfQKV(layer.selfNorm(x, rows: n), rows: n)
            let (q, k, v) = Self.split(qkv, rows: n, width: d)
            state.keys[i] += k
            state.values[i] += v
            let attended = Kernels.causalAttention(q: q, rows: n, keys: state.keys[i], values: state.values[i], firstPosition: first,
                                                   heads: heads, kvHeads: heads, headSize: d / heads)
            Self.add(layer.selfOut(attended, rows: n), to: &x)
            let query = layer.crossQuery(layer.crossNorm(x, rows: n), rows: n)
            let crossed = Kernels.crossAttention(q: query, rows: n, keys: state.crossKeys[i], values: state.crossValues[i],
                                                 keyRows: audioPositions, heads: heads, headSize: d / heads)
            Self.add(layer.crossOut(crossed, rows: n), to: &x)
            var hidden = layer.up(layer.ffnNorm(x, rows: n), rows: n)
            Kernels.gelu(&hidden)
            Self.add(layer.down(hidden, rows: n), to: &x)
        }
        state.length += n
        var normed = decoderNorm(x, rows: n)
        var rows = n
        if lastOnly, n > 1 {
            normed = Array(normed[((n - 1) * d)...])
            rows = 1
        }
        return Kernels.matmul(normed, rows: rows, inFeatures: d, weight: embeddings, outFeatures: vocabularySize)
    }

    // MARK: Helpers

    static func split(_ qkv: [Float], rows: Int, width d: Int) -> ([Float], [Float], [Float]) {
        var q = [Float](repeating: 0, count: rows * d), k = q, v = q
        qkv.withUnsafeBufferPointer { s in
            for r in 0..<rows {
                let base = s.baseAddress! + r * 3 * d
                q.withUnsafeMutableBufferPointer { ($0.baseAddress! + r * d).update(from: base, count: d) }
                k.withUnsafeMutableBufferPointer { ($0.baseAddress! + r * d).update(from: base + d, count: d) }
                v.withUnsafeMutableBufferPointer { ($0.baseAddress! + r * d).update(from: base + 2 * d, count: d) }
            }
        }
        return (q, k, v)
    }

    static func add(_ y: [Float], to x: inout [Float]) {
        for i in x.indices { x[i] += y[i] }
    }
}
