import Foundation
import ZhikuCore

/// Chat generation with a built-in ``LlamaModel``: renders the messages with the model's chat template,
/// tokenizes, runs the prompt through once, then samples token by token until a stop token, a stop sequence or
/// the token limit. The default model is `smollm2-135m-instruct` (SmolLM2-135M-Instruct, Q4_1 GGUF); any
/// llama-architecture GGUF file loads the same way.
public struct LlamaGenerator: Sendable {
    public static let defaultModelID = "smollm2-135m-instruct"

    public let modelID: String
    public let model: LlamaModel
    public let template: ChatTemplate

    /// Loads a GGUF file.
    public init(modelID: String, file: URL) throws {
        self.modelID = modelID
        model = try LlamaModel(gguf: try GGUFFile(url: file))
        template = ChatTemplate(jinja: model.chatTemplate)
    }

    /// The built-in model `modelID` from the model folder, or a GGUF file given by path.
    public static func load(_ modelIDOrPath: String) throws -> LlamaGenerator {
        if modelIDOrPath.hasSuffix(".gguf") {
            let url = URL(fileURLWithPath: modelIDOrPath)
            return try LlamaGenerator(modelID: url.deletingPathExtension().lastPathComponent, file: url)
        }
        guard modelIDOrPath == defaultModelID else {
            throw ZhikuError.invalidInput("unknown chat model '\(modelIDOrPath)'; built in: \(defaultModelID), or give a path to a .gguf file")
        }
        let folder = try ModelLocation.folder(for: modelIDOrPath)
        return try LlamaGenerator(modelID: modelIDOrPath, file: folder.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf"))
    }

    /// Why generation ended.
    public enum FinishReason: String, Sendable, Codable {
        /// The model ended its turn, or a stop sequence appeared.
        case stop
        /// The token limit was reached.
        case length
    }

    public struct Result: Sendable {
        public var promptTokenIDs: [Int32]
        public var tokenIDs: [Int32]
        public var text: String
        public var finishReason: FinishReason
        /// Logits after the prompt (for checks against reference engines).
        public var firstLogits: [Float]
    }

    /// Generates a reply. `onText` receives each new piece of text as soon as it is complete UTF-8 (and not part
    /// of a possible stop sequence); returning false stops generation (the client went away).
    public func generate(_ messages: [ChatMessage], maxTokens: Int = 256, sampling: SamplingOptions = .init(),
                         stop: [String] = [], onText: (String) -> Bool = { _ in true }) throws -> Result {
        try generate(promptIDs: model.tokenizer.encode(template.render(messages)), maxTokens: maxTokens,
                     sampling: sampling, stop: stop, onText: onText)
    }

    public func generate(promptIDs: [Int32], maxTokens: Int, sampling: SamplingOptions = .init(), stop: [String] = [],
                         onText: (String) -> Bool = { _ in true }) throws -> Result {
        guard maxTokens >= 1 else { throw ZhikuError.invalidInput("max_tokens must be at least 1") }
        let session = model.makeSession(context: min(model.configuration.context, promptIDs.count + maxTokens))
        var sampler = Sampler(try sampling.validated())
        let stopIDs = Set(template.stopTokens.compactMap { model.tokenizer.id(of: $0) } + [model.tokenizer.eosID])
        var logits = try session.forward(promptIDs)
        let first = logits
        var generated: [Int32] = []
        var emittedBytes = 0
        var finish = FinishReason.length
        var text = ""
        while generated.count < maxTokens {
            try Task.checkCancellation()
            let token = sampler.next(logits, history: promptIDs + generated)
            if stopIDs.contains(token) {
                finish = .stop
                break
            }
            generated.append(token)
            let bytes = model.tokenizer.bytes(generated)
            // A character split across tokens waits for its last byte (a reply cut there ends before it).
            let complete = Self.completeUTF8Prefix(bytes)
            text = String(decoding: bytes[..<complete], as: UTF8.self)
            if let hit = stop.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
                text = String(text[..<hit.lowerBound])
                finish = .stop
                break
            }
            // Emit what is complete and cannot be the start of a stop sequence.
            var ready = text
            for s in stop {
                for n in stride(from: min(s.count, ready.count), to: 0, by: -1) where ready.hasSuffix(String(s.prefix(n))) {
                    ready = String(ready.dropLast(n))
                    break
                }
            }
            let readyBytes = Array(ready.utf8)
            if readyBytes.count > emittedBytes {
                let piece = String(decoding: readyBytes[emittedBytes...], as: UTF8.self)
                emittedBytes = readyBytes.count
                if !onText(piece) {
                    finish = .stop
                    break
                }
            }
            if generated.count == maxTokens { break }
            logits = try session.forward([token])
        }
        let finalBytes = Array(text.utf8)
        if finalBytes.count > emittedBytes { _ = onText(String(decoding: finalBytes[emittedBytes...], as: UTF8.self)) }
        return Result(promptTokenIDs: promptIDs, tokenIDs: generated, text: text, finishReason: finish, firstLogits: first)
    }

    /// The length of the longest prefix of `bytes` that ends on a UTF-8 character boundary.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0 && back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 != 0x80 {
                let need = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                return back + 1 >= need ? bytes.count : i - 1
            }
            i -= 1
            back += 1
        }
        return bytes.count
    }
}
