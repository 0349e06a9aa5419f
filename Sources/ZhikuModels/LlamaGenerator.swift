import Foundation
import ZhikuCore

/// Chat generation with a built-in ``LlamaModel``: renders the messages with the model's chat template (message
/// text never becomes control tokens), tokenizes, runs the prompt through in blocks, then samples token by token
/// until a stop token, a stop sequence, a runaway repetition or the token limit.
///
/// Built-in models (``builtIn``): `qwen2.5-1.5b-instruct` (the default), `qwen2.5-0.5b-instruct` and
/// `smollm2-135m-instruct`; any `llama` or `qwen2` GGUF file loads the same way by path.
public struct LlamaGenerator: Sendable {
    /// A model that `scripts/fetch-models.sh` installs: its id and file name in the model folder.
    public struct BuiltIn: Sendable {
        public var id: String
        public var file: String
    }

    public static let builtIn: [BuiltIn] = [
        BuiltIn(id: "qwen2.5-1.5b-instruct", file: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        BuiltIn(id: "qwen2.5-0.5b-instruct", file: "qwen2.5-coder-0.5b-instruct.gguf"),
        BuiltIn(id: "smollm2-135m-instruct", file: "SmolLM2-135M-Instruct.Q4_1.gguf"),
    ]
    /// The model answers use unless another is chosen (see README: chosen on the development QA set — the 0.5B
    /// model answered 3 of 12 Chinese questions, the 1.5B 8 of 12 — with the prompt budget that keeps its first
    /// token within about 15 s on two cores).
    public static let defaultModelID = "qwen2.5-1.5b-instruct"

    public let modelID: String
    public let model: LlamaModel
    public let template: ChatTemplate
    /// Sessions kept between generations that ask for it (``generate(promptIDs:maxTokens:sampling:stop:stopOnRepetition:reusingPrompts:control:onText:)``).
    public let promptCache = PromptCache()

    /// Loads a GGUF file (`exactInputs`: see ``LlamaModel/exactInputs``).
    public init(modelID: String, file: URL, exactInputs: Bool = false) throws {
        self.modelID = modelID
        var model = try LlamaModel(gguf: try GGUFFile(url: file))
        model.exactInputs = exactInputs
        self.model = model
        template = ChatTemplate(jinja: model.chatTemplate)
    }

    /// Whether `name` is a built-in model id.
    public static func isBuiltIn(_ name: String) -> Bool { builtIn.contains { $0.id == name } }

    /// The built-in model `modelID` from the model folder, or a GGUF file given by path.
    public static func load(_ modelIDOrPath: String, exactInputs: Bool = false) throws -> LlamaGenerator {
        if modelIDOrPath.hasSuffix(".gguf") {
            let url = URL(fileURLWithPath: modelIDOrPath)
            return try LlamaGenerator(modelID: url.deletingPathExtension().lastPathComponent, file: url, exactInputs: exactInputs)
        }
        guard let entry = builtIn.first(where: { $0.id == modelIDOrPath }) else {
            throw ZhikuError.invalidInput("unknown chat model '\(modelIDOrPath)'; built in: "
                                          + builtIn.map(\.id).joined(separator: ", ") + ", or give a path to a .gguf file")
        }
        let folder = try ModelLocation.folder(for: entry.id)
        return try LlamaGenerator(modelID: entry.id, file: folder.appendingPathComponent(entry.file), exactInputs: exactInputs)
    }

    public struct Result: Sendable {
        public var promptTokenIDs: [Int32]
        public var tokenIDs: [Int32]
        public var text: String
        public var finishReason: FinishReason
        /// Logits after the prompt (for checks against reference engines).
        public var firstLogits: [Float]
        /// The answer was cut where it began repeating itself.
        public var stoppedRepeating = false
    }

    /// How a caller follows and stops a generation: `progress(done, total)` follows the prompt through the model;
    /// `shouldStop` is asked while tokenizing, after every layer of the prompt and before every token.
    public struct Control: Sendable {
        public var progress: (@Sendable (Int, Int) -> Void)?
        public var shouldStop: @Sendable () -> Bool

        public init(progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }) {
            self.progress = progress
            self.shouldStop = shouldStop
        }
    }

    /// The prompt's token ids: the template's control tokens as ids, message text tokenized as plain text.
    /// Returns nil when `shouldStop` turned true while tokenizing.
    public func promptIDs(_ messages: [ChatMessage], shouldStop: () -> Bool = { false }) throws -> [Int32]? {
        var ids: [Int32] = []
        for segment in template.segments(messages) {
            switch segment {
            case .control(let token):
                guard let id = model.tokenizer.id(of: token) else {
                    throw ZhikuError.invalidInput("\(modelID) has no control token \(token) for its chat template")
                }
                ids.append(id)
            case .text(let text):
                guard model.tokenizer.encode(text, parsingControlTokens: false, shouldStop: shouldStop, into: &ids) else { return nil }
            }
        }
        return ids
    }

    /// Generates a reply. `onText` receives each new piece of text as soon as it is complete UTF-8 (and not part
    /// of a possible stop sequence); returning false stops generation (the client went away).
    public func generate(_ messages: [ChatMessage], maxTokens: Int = 256, sampling: SamplingOptions = .init(),
                         stop: [String] = [], stopOnRepetition: Bool = false, reusingPrompts: Bool = false,
                         control: Control = Control(), onText: (String) -> Bool = { _ in true }) throws -> Result {
        guard let ids = try promptIDs(messages, shouldStop: control.shouldStop) else { throw CancellationError() }
        return try generate(promptIDs: ids, maxTokens: maxTokens, sampling: sampling, stop: stop,
                            stopOnRepetition: stopOnRepetition, reusingPrompts: reusingPrompts, control: control, onText: onText)
    }

    /// Generates from prompt ids. When `control.shouldStop` turns true while the prompt is read a
    /// `CancellationError` is thrown; during generation the reply just ends. With `stopOnRepetition`, an answer that starts repeating a
    /// passage of 12 or more tokens for the third time in a row ends after its first occurrence (greedy parity checks leave it off).
    /// With `reusingPrompts`, the session comes from ``promptCache`` (the prompt is read only after the tokens it
    /// shares with a kept session) and goes back to it when generation ends normally; single-token steps then
    /// use the quantized kernels where a fresh session would have read them in one block, so greedy parity checks
    /// leave it off too.
    public func generate(promptIDs: [Int32], maxTokens: Int, sampling: SamplingOptions = .init(), stop: [String] = [],
                         stopOnRepetition: Bool = false, reusingPrompts: Bool = false, control: Control = Control(),
                         onText: (String) -> Bool = { _ in true }) throws -> Result {
        let shouldStop = control.shouldStop, onProgress = control.progress
        guard maxTokens >= 1 else { throw ZhikuError.invalidInput("max_tokens must be at least 1") }
        guard !promptIDs.isEmpty else { throw ZhikuError.invalidInput("the prompt is empty") }
        let capacity = min(model.configuration.context, promptIDs.count + maxTokens)
        let (session, reused) = reusingPrompts ? promptCache.session(for: promptIDs, capacity: capacity, model: model)
            : (model.makeSession(context: capacity), 0)
        var sampler = Sampler(try sampling.validated())
        let stopIDs = Set(template.stopTokens.compactMap { model.tokenizer.id(of: $0) } + [model.tokenizer.eosID])
        let total = promptIDs.count
        var logits = try session.forward(Array(promptIDs[reused...]), progress: { onProgress?(reused + $0, total) },
                                         shouldStop: shouldStop)
        onProgress?(total, total)
        let first = logits
        var generated: [Int32] = []
        var stream = TextStream(stops: stop)
        let guardRail = RepetitionGuard()
        var finish = FinishReason.length
        var repeating = false
        while generated.count < maxTokens {
            if shouldStop() { finish = .stop; break }
            try Task.checkCancellation()
            let token = sampler.next(logits, history: promptIDs, generated: generated)
            if stopIDs.contains(token) {
                finish = .stop
                break
            }
            generated.append(token)
            if stopOnRepetition, let keep = guardRail.cut(generated) {
                generated.removeSubrange(keep...)
                stream.truncate(toTokens: keep)
                finish = .stop
                repeating = true
                break
            }
            var bytes: [UInt8] = []
            model.tokenizer.appendBytes(of: token, to: &bytes)
            let (piece, hitStop) = stream.append(bytes)
            if let piece, !onText(piece) {
                finish = .stop
                break
            }
            if hitStop {
                finish = .stop
                break
            }
            if generated.count == maxTokens { break }
            logits = try session.forward([token])
        }
        if let rest = stream.flush() { _ = onText(rest) }
        if reusingPrompts { promptCache.keep(session) }
        return Result(promptTokenIDs: promptIDs, tokenIDs: generated, text: stream.text, finishReason: finish,
                      firstLogits: first, stoppedRepeating: repeating)
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

/// The generated text, grown a token at a time with work bounded by the token and the stop sequences, not by the
/// answer so far: bytes wait until they complete a UTF-8 character, stop sequences are looked for only where new
/// text could complete one, and text that could still become the start of a stop sequence is held back.
struct TextStream {
    let stops: [String]
    /// The complete text's UTF-8 bytes.
    private var bytes: [UInt8] = []
    private var pending: [UInt8] = []
    /// How many bytes of `bytes` have been handed out.
    private var emitted = 0
    /// Bytes of text after each token (to cut back to a token boundary).
    private var lengths: [Int] = []
    private let stopBytes: [[UInt8]]
    private let longestStop: Int

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
        stopBytes = self.stops.map { Array($0.utf8) }
        longestStop = stopBytes.map(\.count).max() ?? 0
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Adds one token's bytes; returns the text now safe to show, and whether a stop sequence appeared (the text
    /// then ends before it).
    mutating func append(_ new: [UInt8]) -> (String?, Bool) {
        pending += new
        let complete = LlamaGenerator.completeUTF8Prefix(pending)
        if complete > 0 {
            bytes += pending[..<complete]
            pending.removeFirst(complete)
        }
        lengths.append(bytes.count)
        if longestStop > 0 {
            // A stop sequence can only begin where held-back text begins.
            let searchFrom = max(0, emitted - longestStop)
            let tail = bytes[searchFrom...]
            var cut: Int?
            for s in stopBytes {
                if let hit = Self.firstIndex(of: s, in: tail) { cut = min(cut ?? hit, hit) }
            }
            if let cut {
                bytes.removeSubrange(cut...)
                return (take(upTo: bytes.count), true)
            }
        }
        // Hold back the longest tail that is a beginning of some stop sequence.
        var ready = bytes.count
        for s in stopBytes {
            for n in stride(from: min(s.count - 1, bytes.count), to: 0, by: -1)
            where bytes[(bytes.count - n)...].elementsEqual(s[..<n]) {
                ready = min(ready, bytes.count - n)
                break
            }
        }
        return (take(upTo: ready), false)
    }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private mutating func take(upTo end: Int) -> String? {
        guard end > emitted else { return nil }
        let piece = String(decoding: bytes[emitted..<end], as: UTF8.self)
        emitted = end
        return piece
    }

    /// Cuts the text back to what the first `count` tokens produced (what was already shown stays shown).
    mutating func truncate(toTokens count: Int) {
        let length = count == 0 ? 0 : lengths[min(count, lengths.count) - 1]
        bytes.removeSubrange(min(length, bytes.count)...)
        pending = []
        emitted = min(emitted, bytes.count)
    }

    /// What is left to show at the end (held-back text that did not become a stop sequence).
    mutating func flush() -> String? {
        take(upTo: bytes.count)
    }
}

/// Notices an answer that has started looping: the same run of 12–200 tokens (a phrase, a sentence, a line)
/// three times in a row at its end. Each check looks only at the end of the answer.
struct RepetitionGuard {
    /// Shortest looping passage that counts (shorter repeats are ordinary: "1. 2. 3.", table rules).
    var minimumPeriod = 12
    var maximumPeriod = 200

    /// Where to cut `tokens` (the count to keep: the first occurrence stays), or nil to go on.
    func cut(_ tokens: [Int32]) -> Int? {
        let n = tokens.count
        var period = minimumPeriod
        while period <= maximumPeriod && 3 * period <= n {
            let a = tokens[(n - 3 * period)..<(n - 2 * period)], b = tokens[(n - 2 * period)..<(n - period)],
                c = tokens[(n - period)..<n]
            if a == b && b == c { return n - 2 * period }
            period += 1
        }
        return nil
    }
}
