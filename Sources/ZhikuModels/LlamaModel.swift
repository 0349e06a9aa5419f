import COpenBLAS
import Foundation
import ZhikuCore

/// A decoder-only transformer of the `llama` architecture (RMSNorm, rotary positions on adjacent pairs,
/// grouped-query attention, SwiGLU feed-forward), loaded from GGUF with its weight matrices kept quantized
/// (``WeightMatrix``: quantized kernels for one token at a time, BLAS for prompts). SmolLM2, Llama 3.2 and similar
/// GGUF files use this layout.
public struct LlamaModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var layers: Int
        public var width: Int
        public var heads: Int
        public var kvHeads: Int
        public var feedForward: Int
        public var vocabulary: Int
        public var context: Int
        public var normEpsilon: Float
        public var ropeBase: Float
        public var headSize: Int { width / heads }
    }

    struct Block: Sendable {
        var attentionNorm, feedForwardNorm: [Float]
        var query, key, value, attentionOutput, gate, up, down: WeightMatrix
    }

    public let configuration: Configuration
    public let tokenizer: ByteLevelBPETokenizer
    /// The raw chat template from the file (`tokenizer.chat_template`), if any.
    public let chatTemplate: String?
    let embedding: WeightMatrix
    let blocks: [Block]
    let outputNorm: [Float]
    /// The output projection; nil when tied to the token embedding.
    let output: WeightMatrix?

    /// Loads a llama-architecture GGUF file.
    public init(gguf file: GGUFFile) throws {
        let arch = file.metadata["general.architecture"]?.string ?? "?"
        guard arch == "llama" else {
            throw ZhikuError(.invalidInput, "\(file.url.lastPathComponent) is a '\(arch)' model; Zhiku runs the 'llama' architecture")
        }
        // Scaled rotary positions (Llama 3.1+ frequency factors, linear or YaRN scaling) would give wrong answers
        // silently; say so instead.
        if file.tensors["rope_freqs.weight"] != nil
            || (file.metadata["llama.rope.scaling.type"]?.string).map({ $0 != "none" }) == true {
            throw ZhikuError(.invalidInput, "\(file.url.lastPathComponent) uses scaled rotary positions (rope frequency "
                             + "factors or rope scaling), which Zhiku's engine does not implement yet")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file.metadata["llama." + key]?.int else { throw file.corrupt("no llama.\(key)") }
            return v
        }
        let width = try int("embedding_length"), heads = try int("attention.head_count")
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        let c = Configuration(
            layers: try int("block_count"), width: width, heads: heads,
            kvHeads: file.metadata["llama.attention.head_count_kv"]?.int ?? heads,
            feedForward: try int("feed_forward_length"),
            vocabulary: file.metadata["llama.vocab_size"]?.int ?? tokenizer.tokens.count,
            context: try int("context_length"),
            normEpsilon: Float(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
            ropeBase: Float(file.metadata["llama.rope.freq_base"]?.double ?? 10_000))
        guard c.width % c.heads == 0, c.heads % c.kvHeads == 0, c.headSize % 2 == 0 else {
            throw file.corrupt("inconsistent attention shape (\(c.width) wide, \(c.heads)/\(c.kvHeads) heads)")
        }
        let kvWidth = c.kvHeads * c.headSize
        blocks = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Block(
                attentionNorm: try file.floats(p + "attn_norm.weight", dimensions: [c.width]),
                feedForwardNorm: try file.floats(p + "ffn_norm.weight", dimensions: [c.width]),
                query: try file.matrix(p + "attn_q.weight", inFeatures: c.width, outFeatures: c.width),
                key: try file.matrix(p + "attn_k.weight", inFeatures: c.width, outFeatures: kvWidth),
                value: try file.matrix(p + "attn_v.weight", inFeatures: c.width, outFeatures: kvWidth),
                attentionOutput: try file.matrix(p + "attn_output.weight", inFeatures: c.width, outFeatures: c.width),
                gate: try file.matrix(p + "ffn_gate.weight", inFeatures: c.width, outFeatures: c.feedForward),
                up: try file.matrix(p + "ffn_up.weight", inFeatures: c.width, outFeatures: c.feedForward),
                down: try file.matrix(p + "ffn_down.weight", inFeatures: c.feedForward, outFeatures: c.width))
        }
        embedding = try file.matrix("token_embd.weight", inFeatures: c.width, outFeatures: c.vocabulary)
        outputNorm = try file.floats("output_norm.weight", dimensions: [c.width])
        output = file.tensors["output.weight"] == nil ? nil
            : try file.matrix("output.weight", inFeatures: c.width, outFeatures: c.vocabulary)
        configuration = c
        self.tokenizer = tokenizer
        chatTemplate = file.metadata["tokenizer.chat_template"]?.string
    }

    /// A fresh conversation state (key–value cache) for up to `context` tokens (default: the model's).
    public func makeSession(context: Int? = nil) -> LlamaSession {
        LlamaSession(model: self, capacity: min(context ?? configuration.context, configuration.context))
    }
}

/// The running state of one generation: the key–value cache and the position. Not thread-safe; one per request.
public final class LlamaSession: @unchecked Sendable {
    public let model: LlamaModel
    public let capacity: Int
    public private(set) var position = 0
    private var keys: [[Float]]
    private var values: [[Float]]

    init(model: LlamaModel, capacity: Int) {
        self.model = model
        self.capacity = capacity
        let kvWidth = model.configuration.kvHeads * model.configuration.headSize
        keys = Array(repeating: [], count: model.configuration.layers)
        values = Array(repeating: [], count: model.configuration.layers)
        for l in 0..<model.configuration.layers {
            keys[l].reserveCapacity(capacity * kvWidth)
            values[l].reserveCapacity(capacity * kvWidth)
        }
    }

    /// Feeds `tokens` (the prompt, or the last sampled token) and returns the logits after the last one.
    public func forward(_ tokens: [Int32]) throws -> [Float] {
        let c = model.configuration
        let n = tokens.count
        guard n > 0 else { throw ZhikuError.invalidInput("nothing to feed the model") }
        guard position + n <= capacity else {
            throw ZhikuError(.tooLarge, "the conversation needs \(position + n) tokens; the model's context holds \(capacity)")
        }
        Kernels.useSingleThreadedBLAS()
        let w = c.width, hs = c.headSize
        var x = [Float](repeating: 0, count: n * w)
        for (i, token) in tokens.enumerated() {
            let id = Int(token)
            guard (0..<c.vocabulary).contains(id) else { throw ZhikuError.invalidInput("token id \(id) is outside the vocabulary") }
            let row = model.embedding.row(id)
            for j in 0..<w { x[i * w + j] = row[j] }
        }
        for (l, block) in model.blocks.enumerated() {
            var h = x
            Kernels.rmsNorm(&h, rows: n, width: w, weight: block.attentionNorm, epsilon: c.normEpsilon)
            var q = block.query.apply(h, rows: n)
            var k = block.key.apply(h, rows: n)
            let v = block.value.apply(h, rows: n)
            Kernels.rope(&q, rows: n, heads: c.heads, headSize: hs, firstPosition: position, base: c.ropeBase)
            Kernels.rope(&k, rows: n, heads: c.kvHeads, headSize: hs, firstPosition: position, base: c.ropeBase)
            keys[l].append(contentsOf: k)
            values[l].append(contentsOf: v)
            let context = Kernels.causalAttention(q: q, rows: n, keys: keys[l], values: values[l], firstPosition: position,
                                                  heads: c.heads, kvHeads: c.kvHeads, headSize: hs)
            let attended = block.attentionOutput.apply(context, rows: n)
            for i in x.indices { x[i] += attended[i] }

            h = x
            Kernels.rmsNorm(&h, rows: n, width: w, weight: block.feedForwardNorm, epsilon: c.normEpsilon)
            var gate = block.gate.apply(h, rows: n)
            let up = block.up.apply(h, rows: n)
            Kernels.swiglu(&gate, up)
            let down = block.down.apply(gate, rows: n)
            for i in x.indices { x[i] += down[i] }
        }
        position += n
        var last = Array(x[((n - 1) * w)..<(n * w)])
        Kernels.rmsNorm(&last, rows: 1, width: w, weight: model.outputNorm, epsilon: c.normEpsilon)
        return (model.output ?? model.embedding).apply(last, rows: 1)
    }
}
