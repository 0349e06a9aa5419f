import Foundation
import ZhikuCore

/// Gemma 3 as a bidirectional encoder (what EmbeddingGemma is), on OpenBLAS in float32: token embeddings scaled
/// by √hidden; per layer RMSNorm (weights stored as w − 1, applied as 1 + w) before and after both attention and
/// the feed-forward; grouped-query attention with RMS-normalised queries and keys, NEOX rotary positions (base
/// 10 000 on sliding layers, 1 000 000 on full ones), every token seeing every other one (sliding layers only
/// those within the window); a gated tanh-GELU feed-forward; a final RMSNorm; then mean pooling.
public struct Gemma3Encoder: Sendable {
    public struct Configuration: Sendable {
        public var vocabularySize = 262_144
        public var hidden = 768
        public var intermediate = 1152
        public var heads = 3
        public var kvHeads = 1
        public var headSize = 256
        public var epsilon: Float = 1e-6
        public var slidingWindow = 512
        public var localRopeBase: Float = 10_000
        public var globalRopeBase: Float = 1_000_000
        /// Per layer: true where attention is full, false where it is limited to the sliding window.
        public var fullAttention: [Bool] = (0..<24).map { $0 % 6 == 5 }
        /// Queries are scaled by 1/√queryScale.
        public var queryScale: Float = 256
        public var maxPositions = 2048

        public init() {}

        /// Reads a Hugging Face `config.json` of a `gemma3_text` model.
        public init(configFile url: URL) throws {
            let name = url.lastPathComponent
            guard let object = try? JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw ModelFileReader.corrupt(name, "it is not a JSON object")
            }
            func int(_ key: String) throws -> Int {
                guard let v = object[key] as? NSNumber else { throw ModelFileReader.corrupt(name, "\(key) is missing") }
                return v.intValue
            }
            func float(_ key: String) throws -> Float {
                guard let v = object[key] as? NSNumber else { throw ModelFileReader.corrupt(name, "\(key) is missing") }
                return v.floatValue
            }
            guard object["model_type"] as? String == "gemma3_text" else {
                throw ModelFileReader.corrupt(name, "model_type is not gemma3_text")
            }
            guard object["use_bidirectional_attention"] as? Bool == true else {
                throw ModelFileReader.corrupt(name, "the model is not bidirectional (use_bidirectional_attention)")
            }
            vocabularySize = try int("vocab_size")
            hidden = try int("hidden_size")
            intermediate = try int("intermediate_size")
            heads = try int("num_attention_heads")
            kvHeads = try int("num_key_value_heads")
            headSize = try int("head_dim")
            epsilon = try float("rms_norm_eps")
            slidingWindow = try int("sliding_window")
            localRopeBase = try float("rope_local_base_freq")
            globalRopeBase = try float("rope_theta")
            queryScale = try float("query_pre_attn_scalar")
            maxPositions = try int("max_position_embeddings")
            guard let types = object["layer_types"] as? [String], types.count == (try int("num_hidden_layers")) else {
                throw ModelFileReader.corrupt(name, "layer_types does not list every layer")
            }
            fullAttention = types.map { $0 == "full_attention" }
            guard heads % kvHeads == 0 else { throw ModelFileReader.corrupt(name, "heads are not a multiple of KV heads") }
        }
    }

    struct Layer: Sendable {
        var query, key, value, output, gate, up, down: Linear
        /// 1 + the stored weight of each RMSNorm (the query norm's also carries the query scaling).
        var inputNorm, queryNorm, keyNorm, postAttentionNorm, preFeedForwardNorm, postFeedForwardNorm: [Float]
    }

    public let configuration: Configuration
    let tokens: TokenEmbeddings
    /// Bytes the layers' matrices take in memory.
    public var layerWeightBytes: Int {
        layers.reduce(0) { $0 + [$1.query, $1.key, $1.value, $1.output, $1.gate, $1.up, $1.down].reduce(0) { $0 + $1.weightBytes } }
    }
    let layers: [Layer]
    let finalNorm: [Float]

    /// Loads the weights of a Hugging Face `Gemma3TextModel` (float32 safetensors). The token table stays in the
    /// mapped file (rows are read as tokens need them); the layers' matrices are copied into memory at `precision`
    /// (see ``Linear/Precision``), their norms as float32.
    public init(weights file: SafeTensorsFile, configuration c: Configuration, precision: Linear.Precision = .single) throws {
        let h = c.hidden, q = c.heads * c.headSize, kv = c.kvHeads * c.headSize
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> Linear {
            Linear(weight: try file.floats(name + ".weight", shape: [out, inp]), bias: [Float](repeating: 0, count: out),
                   inFeatures: inp, outFeatures: out, precision: precision)
        }
        func norm(_ name: String, _ width: Int, times factor: Float = 1) throws -> [Float] {
            try file.floats(name + ".weight", shape: [width]).map { (1 + $0) * factor }
        }
        // Queries are scaled by 1/√queryScale while attention divides by √headSize: the difference goes into the
        // query norm.
        let queryFactor = (Float(c.headSize) / c.queryScale).squareRoot()
        layers = try c.fullAttention.indices.map { i in
            let p = "layers.\(i)."
            return Layer(
                query: try linear(p + "self_attn.q_proj", q, h),
                key: try linear(p + "self_attn.k_proj", kv, h),
                value: try linear(p + "self_attn.v_proj", kv, h),
                output: try linear(p + "self_attn.o_proj", h, q),
                gate: try linear(p + "mlp.gate_proj", c.intermediate, h),
                up: try linear(p + "mlp.up_proj", c.intermediate, h),
                down: try linear(p + "mlp.down_proj", h, c.intermediate),
                inputNorm: try norm(p + "input_layernorm", h),
                queryNorm: try norm(p + "self_attn.q_norm", c.headSize, times: queryFactor),
                keyNorm: try norm(p + "self_attn.k_norm", c.headSize),
                postAttentionNorm: try norm(p + "post_attention_layernorm", h),
                preFeedForwardNorm: try norm(p + "pre_feedforward_layernorm", h),
                postFeedForwardNorm: try norm(p + "post_feedforward_layernorm", h))
        }
        tokens = .mapped(try file.mappedFloats("embed_tokens.weight", shape: [c.vocabularySize, h]))
        finalNorm = try norm("norm", h)
        configuration = c
    }

    /// The mean of each sequence's final hidden states (not normalised). The batch is split between the cores,
    /// each part on one BLAS thread (as ``BertEncoder`` does).
    public func meanPooled(_ sequences: [[Int32]]) -> [[Float]] {
        Kernels.useSingleThreadedBLAS()
        let parts = min(sequences.count, ProcessInfo.processInfo.activeProcessorCount)
        // One text (a query): its matrices are split between the cores instead.
        guard parts > 1 else { return sequences.map { meanPooled($0, matrixParts: WeightMatrix.parallelism) } }
        return CoreSplit.map(sequences, parts: parts) { $0.map { meanPooled($0) } }
    }

    /// One sequence's forward pass (at most ``Configuration/maxPositions`` tokens are read) and its mean.
    func meanPooled(_ sequence: [Int32], matrixParts: Int = 1) -> [Float] {
        let c = configuration, h = c.hidden, hs = c.headSize
        let n = min(sequence.count, c.maxPositions)
        guard n > 0 else { return [Float](repeating: 0, count: h) }
        var x = [Float](repeating: 0, count: n * h)
        let scale = Float(h).squareRoot()
        x.withUnsafeMutableBufferPointer { x in
            for position in 0..<n {
                let token = Int(sequence[position])
                tokens.row((0..<c.vocabularySize).contains(token) ? token : 0, width: h, into: x.baseAddress! + position * h)
            }
            for i in x.indices { x[i] *= scale }
        }
        for (index, layer) in layers.enumerated() {
            var normed = x
            Kernels.rmsNorm(&normed, rows: n, width: h, weight: layer.inputNorm, epsilon: c.epsilon)
            var q = layer.query(normed, rows: n, parts: matrixParts)
            var k = layer.key(normed, rows: n, parts: matrixParts)
            let v = layer.value(normed, rows: n, parts: matrixParts)
            Kernels.rmsNorm(&q, rows: n * c.heads, width: hs, weight: layer.queryNorm, epsilon: c.epsilon)
            Kernels.rmsNorm(&k, rows: n * c.kvHeads, width: hs, weight: layer.keyNorm, epsilon: c.epsilon)
            let full = c.fullAttention[index]
            let base = full ? c.globalRopeBase : c.localRopeBase
            Kernels.rope(&q, rows: n, heads: c.heads, headSize: hs, firstPosition: 0, base: base, neox: true)
            Kernels.rope(&k, rows: n, heads: c.kvHeads, headSize: hs, firstPosition: 0, base: base, neox: true)
            let context = Kernels.bidirectionalAttention(q: q, rows: n, keys: k, values: v, heads: c.heads, kvHeads: c.kvHeads,
                                                         headSize: hs, window: full ? nil : c.slidingWindow)
            var attended = layer.output(context, rows: n, parts: matrixParts)
            Kernels.rmsNorm(&attended, rows: n, width: h, weight: layer.postAttentionNorm, epsilon: c.epsilon)
            for i in x.indices { x[i] += attended[i] }

            normed = x
            Kernels.rmsNorm(&normed, rows: n, width: h, weight: layer.preFeedForwardNorm, epsilon: c.epsilon)
            var gate = layer.gate(normed, rows: n, parts: matrixParts)
            Kernels.geluTanhGated(&gate, layer.up(normed, rows: n, parts: matrixParts))
            var down = layer.down(gate, rows: n, parts: matrixParts)
            Kernels.rmsNorm(&down, rows: n, width: h, weight: layer.postFeedForwardNorm, epsilon: c.epsilon)
            for i in x.indices { x[i] += down[i] }
        }
        Kernels.rmsNorm(&x, rows: n, width: h, weight: finalNorm, epsilon: c.epsilon)
        var pooled = [Float](repeating: 0, count: h)
        for r in 0..<n {
            for i in 0..<h { pooled[i] += x[r * h + i] }
        }
        for i in 0..<h { pooled[i] /= Float(n) }
        return pooled
    }
}
