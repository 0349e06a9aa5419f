import COpenBLAS
import Foundation
import ZhikuCore

/// A decoder-only transformer of the `llama` or `qwen2` architecture (RMSNorm, rotary positions, grouped-query
/// attention, SwiGLU feed-forward), loaded from GGUF with its weight matrices kept quantized (``WeightMatrix``:
/// quantized kernels for one token at a time, BLAS for prompts). `qwen2` adds biases to the query, key and value
/// projections and rotates in the NEOX layout. SmolLM2, Llama 3.2 and Qwen2.5 GGUF files load this way.
public struct LlamaModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var architecture: String
        public var layers: Int
        public var width: Int
        public var heads: Int
        public var kvHeads: Int
        public var feedForward: Int
        public var vocabulary: Int
        public var context: Int
        public var normEpsilon: Float
        public var ropeBase: Float
        /// Rotary pairs are (i, i + headSize/2) rather than adjacent (GGUF's NEOX rope type).
        public var neoxRope: Bool
        public var headSize: Int { width / heads }
    }

    struct Block: Sendable {
        var attentionNorm, feedForwardNorm: [Float]
        var query, key, value, attentionOutput, gate, up, down: WeightMatrix
        var queryBias, keyBias, valueBias: [Float]?
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
    /// Multiply single tokens from float32 activations rather than 8-bit ones (slower; for float references).
    public var exactInputs = false

    /// Loads a `llama` or `qwen2` GGUF file.
    public init(gguf file: GGUFFile) throws {
        let arch = file.metadata["general.architecture"]?.string ?? "?"
        guard arch == "llama" || arch == "qwen2" else {
            throw ZhikuError(.invalidInput, "\(file.url.lastPathComponent) is a '\(arch)' model; Zhiku runs the 'llama' and 'qwen2' architectures")
        }
        // Scaled rotary positions (Llama 3.1+ frequency factors, linear or YaRN scaling) would give wrong answers
        // silently; say so instead.
        if file.tensors["rope_freqs.weight"] != nil
            || (file.metadata["\(arch).rope.scaling.type"]?.string).map({ $0 != "none" }) == true {
            throw ZhikuError(.invalidInput, "\(file.url.lastPathComponent) uses scaled rotary positions (rope frequency "
                             + "factors or rope scaling), which Zhiku's engine does not implement yet")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file.metadata["\(arch).\(key)"]?.int else { throw file.corrupt("no \(arch).\(key)") }
            return v
        }
        let width = try int("embedding_length"), heads = try int("attention.head_count")
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        let c = Configuration(
            architecture: arch,
            layers: try int("block_count"), width: width, heads: heads,
            kvHeads: file.metadata["\(arch).attention.head_count_kv"]?.int ?? heads,
            feedForward: try int("feed_forward_length"),
            vocabulary: file.metadata["\(arch).vocab_size"]?.int ?? tokenizer.tokens.count,
            context: try int("context_length"),
            normEpsilon: Float(file.metadata["\(arch).attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
            ropeBase: Float(file.metadata["\(arch).rope.freq_base"]?.double ?? 10_000),
            neoxRope: arch == "qwen2")
        guard c.width % c.heads == 0, c.heads % c.kvHeads == 0, c.headSize % 2 == 0 else {
            throw file.corrupt("inconsistent attention shape (\(c.width) wide, \(c.heads)/\(c.kvHeads) heads)")
        }
        let kvWidth = c.kvHeads * c.headSize
        func bias(_ name: String, _ count: Int) throws -> [Float]? {
            file.tensors[name] == nil ? nil : try file.floats(name, dimensions: [count])
        }
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
                down: try file.matrix(p + "ffn_down.weight", inFeatures: c.feedForward, outFeatures: c.width),
                queryBias: try bias(p + "attn_q.bias", c.width),
                keyBias: try bias(p + "attn_k.bias", kvWidth),
                valueBias: try bias(p + "attn_v.bias", kvWidth))
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
    /// The most tokens the cache holds (grown by ``reserve(_:)``, never beyond the model's context).
    public private(set) var capacity: Int
    public private(set) var position = 0
    /// The tokens whose keys and values are in the cache, in order (what a later prompt can reuse).
    public private(set) var tokens: [Int32] = []
    private var keys: [[Float]]
    private var values: [[Float]]
    /// Prompts are run in blocks of this many tokens: each block's activations stay small, the weights are
    /// dequantized once per block (a few per cent of a block's work at 1 024), and progress and cancellation are
    /// checked after every layer of every block.
    public static let promptBlock = 1024

    init(model: LlamaModel, capacity: Int) {
        self.model = model
        self.capacity = 0
        keys = Array(repeating: [], count: model.configuration.layers)
        values = Array(repeating: [], count: model.configuration.layers)
        reserve(capacity)
    }

    /// Lets the cache hold `count` tokens (up to the model's context); the memory already held is kept.
    public func reserve(_ count: Int) {
        let wanted = min(count, model.configuration.context)
        guard wanted > capacity else { return }
        capacity = wanted
        let kvWidth = model.configuration.kvHeads * model.configuration.headSize
        for l in 0..<model.configuration.layers {
            keys[l].reserveCapacity(capacity * kvWidth)
            values[l].reserveCapacity(capacity * kvWidth)
        }
        tokens.reserveCapacity(capacity)
    }

    /// Forgets every token after the first `count` (their keys and values), keeping the memory: the session then
    /// continues from position `count`, as if only those tokens had been fed.
    public func rewind(to count: Int) {
        precondition(count >= 0 && count <= position, "rewind(to: \(count)) beyond position \(position)")
        let kvWidth = model.configuration.kvHeads * model.configuration.headSize
        for l in 0..<model.configuration.layers {
            keys[l].removeSubrange((count * kvWidth)...)
            values[l].removeSubrange((count * kvWidth)...)
        }
        tokens.removeSubrange(count...)
        position = count
    }

    /// Feeds `tokens` (the prompt, or the last sampled token) and returns the logits after the last one.
    /// `progress(done)` is told how many of the tokens have passed through the model (fractionally, layer by
    /// layer); when `shouldStop()` turns true the call throws `CancellationError` within one product's work, and the
    /// session must not be used again.
    public func forward(_ tokens: [Int32], progress: ((Int) -> Void)? = nil, shouldStop: () -> Bool = { false }) throws -> [Float] {
        let c = model.configuration
        guard !tokens.isEmpty else { throw ZhikuError.invalidInput("nothing to feed the model") }
        guard position + tokens.count <= capacity else {
            throw ZhikuError(.tooLarge, "the conversation needs \(position + tokens.count) tokens; the model's context holds \(capacity)")
        }
        for token in tokens where !(0..<c.vocabulary).contains(Int(token)) {
            throw ZhikuError.invalidInput("token id \(token) is outside the vocabulary")
        }
        Kernels.useSingleThreadedBLAS()
        var last: [Float] = []
        var start = 0
        while start < tokens.count {
            let block = Array(tokens[start..<min(tokens.count, start + Self.promptBlock)])
            let done = start
            last = try forwardBlock(block, shouldStop: shouldStop) { layer in
                progress?(done + block.count * (layer + 1) / c.layers)
            }
            start += block.count
        }
        Kernels.rmsNorm(&last, rows: 1, width: c.width, weight: model.outputNorm, epsilon: c.normEpsilon)
        return (model.output ?? model.embedding).apply(last, rows: 1, exactInputs: model.exactInputs)
    }

    /// One block of tokens through every layer; returns the last token's hidden state.
    private func forwardBlock(_ tokens: [Int32], shouldStop: () -> Bool, layerDone: (Int) -> Void) throws -> [Float] {
        let c = model.configuration
        let n = tokens.count, w = c.width, hs = c.headSize, e = model.exactInputs
        var x = [Float](repeating: 0, count: n * w)
        for (i, token) in tokens.enumerated() {
            let row = model.embedding.row(Int(token))
            x.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: i * w).update(from: row, count: w) }
        }
        for (l, block) in model.blocks.enumerated() {
            if shouldStop() { throw CancellationError() }
            var h = x
            Kernels.rmsNorm(&h, rows: n, width: w, weight: block.attentionNorm, epsilon: c.normEpsilon)
            var q = block.query.apply(h, rows: n, exactInputs: e)
            var k = block.key.apply(h, rows: n, exactInputs: e)
            var v = block.value.apply(h, rows: n, exactInputs: e)
            if let b = block.queryBias { Self.addBias(&q, b) }
            if let b = block.keyBias { Self.addBias(&k, b) }
            if let b = block.valueBias { Self.addBias(&v, b) }
            Kernels.rope(&q, rows: n, heads: c.heads, headSize: hs, firstPosition: position, base: c.ropeBase, neox: c.neoxRope)
            Kernels.rope(&k, rows: n, heads: c.kvHeads, headSize: hs, firstPosition: position, base: c.ropeBase, neox: c.neoxRope)
            keys[l].append(contentsOf: k)
            values[l].append(contentsOf: v)
            if shouldStop() { throw CancellationError() }  // checked between the big products too: a layer of a long block takes a while
            let context = Kernels.causalAttention(q: q, rows: n, keys: keys[l], values: values[l], firstPosition: position,
                                                  heads: c.heads, kvHeads: c.kvHeads, headSize: hs)
            let attended = block.attentionOutput.apply(context, rows: n, exactInputs: e)
            Self.add(&x, attended)

            h = x
            Kernels.rmsNorm(&h, rows: n, width: w, weight: block.feedForwardNorm, epsilon: c.normEpsilon)
            if shouldStop() { throw CancellationError() }
            var gate = block.gate.apply(h, rows: n, exactInputs: e)
            if shouldStop() { throw CancellationError() }
            let up = block.up.apply(h, rows: n, exactInputs: e)
            Kernels.swiglu(&gate, up)
            if shouldStop() { throw CancellationError() }
            let down = block.down.apply(gate, rows: n, exactInputs: e)
            Self.add(&x, down)
            layerDone(l)
        }
        position += n
        self.tokens += tokens
        return Array(x[((n - 1) * w)..<(n * w)])
    }

    private static func add(_ x: inout [Float], _ y: [Float]) {
        x.withUnsafeMutableBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for i in 0..<xp.count { xp[i] += yp[i] }
            }
        }
    }

    /// Adds `bias` to every row of `x`.
    private static func addBias(_ x: inout [Float], _ bias: [Float]) {
        let width = bias.count
        x.withUnsafeMutableBufferPointer { xp in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<(xp.count / width) {
                    let row = xp.baseAddress! + r * width
                    for j in 0..<width { row[j] += b[j] }
                }
            }
        }
    }
}
