import CZhikuZlib
import Foundation
import ZhikuCore

/// Transcribes 16 kHz mono samples with Whisper the way faster-whisper does: log-mel features of the whole audio,
/// language detection on the first 30 s, then one 30 s window after another, each decoded greedily from the prompt
/// `<|startoftranscript|><|lang|><|transcribe|>` (plus `<|notimestamps|>` without timestamps), with Whisper's
/// temperature fallback when a window's output is repetitive or improbable, and its no-speech skip.
public struct WhisperTranscriber: Sendable {
    /// Decoding settings; the defaults are faster-whisper's.
    public struct Options: Sendable {
        /// Emit timestamp tokens and cut each window into timed segments.
        public var timestamps = true
        /// Tried in turn while a window's output is too repetitive or improbable (0 = greedy).
        public var temperatures: [Float] = [0, 0.2, 0.4, 0.6, 0.8, 1.0]
        public var compressionRatioThreshold: Double? = 2.4
        public var logProbThreshold: Double? = -1.0
        public var noSpeechThreshold: Double? = 0.6
        /// Candidates sampled at a temperature above 0; the most probable is kept.
        public var bestOf = 5
        /// Seeds sampling (``Sampler``), so a run can be repeated.
        public var seed: UInt64 = 0
        public init() {}
        /// The settings of the reference outputs in ../shared/eval/speech: greedy, no timestamps, no fallback.
        public static var greedyWithoutTimestamps: Options {
            var options = Options()
            options.timestamps = false
            options.temperatures = [0]
            return options
        }
    }

    public let model: WhisperModel
    public let tokenizer: WhisperTokenizer
    let frontEnd: LogMelSpectrogram
    /// Tokens Whisper never emits (config.json `suppress_ids`), and those it may not start with (`suppress_ids_begin`).
    let suppressed: [Int32]
    let suppressedAtBegin: [Int32]

    public init(folder: URL) throws {
        model = try WhisperModel(file: CTranslate2ModelFile(url: folder.appendingPathComponent("model.bin")))
        tokenizer = try WhisperTokenizer(vocabulary: folder.appendingPathComponent("vocabulary.txt"))
        frontEnd = LogMelSpectrogram(bins: model.melBins)
        struct Config: Decodable { var suppress_ids: [Int32]?; var suppress_ids_begin: [Int32]? }
        let config = (try? Data(contentsOf: folder.appendingPathComponent("config.json")))
            .flatMap { try? JSONDecoder().decode(Config.self, from: $0) }
        suppressed = config?.suppress_ids ?? []
        suppressedAtBegin = config?.suppress_ids_begin ?? [220, tokenizer.endOfText]
    }

    /// Transcribes `samples` (16 kHz mono); `language` skips detection.
    public func transcribe(_ samples: [Float], language: String? = nil, options: Options = Options()) throws -> Transcript {
        try transcribe(MelFeatureArray(samples: samples, frontEnd: frontEnd), language: language, options: options)
    }

    /// Transcribes the audio file at `url` without holding it whole (``StreamedMelFeatures``).
    public func transcribe(url: URL, language: String? = nil, options: Options = Options(),
                           maximumSeconds: Double = AudioDecoder.defaultMaximumSeconds) throws -> Transcript {
        try transcribe(StreamedMelFeatures(url: url, frontEnd: frontEnd, maximumSeconds: maximumSeconds),
                       language: language, options: options)
    }

    /// Transcribes a recording's features window by window; `language` skips detection.
    public func transcribe(_ features: MelFeatureSource, language: String? = nil, options: Options = Options()) throws -> Transcript {
        let frames = features.frames
        let duration = features.duration
        let window = model.windowFrames
        let secondsPerFrame = Double(LogMelSpectrogram.hopLength) / Double(LogMelSpectrogram.sampleRate)
        let contentFrames = frames - 1
        var detected: (code: String, probability: Double)
        if let language {
            guard tokenizer.languageToken(language) != nil else {
                throw ZhikuError.invalidInput("Whisper does not know the language '\(language)'")
            }
            detected = (language, 1)
        } else {
            // faster-whisper detects on the first window of all frames (the last one included).
            let encoded = model.encode(try features.window(from: 0, count: min(window, frames), size: window))
            detected = detectLanguage(encoded: encoded)
        }
        let languageToken = tokenizer.languageToken(detected.code)!
        var prompt: [Int32] = [tokenizer.startOfTranscript, languageToken, tokenizer.transcribe]
        if !options.timestamps { prompt.append(tokenizer.noTimestamps) }

        var segments: [Transcript.Segment] = []
        var allTokens: [Int32] = []
        var seek = 0
        while seek < contentFrames {
            let size = min(window, contentFrames - seek)
            let offset = Double(seek) * secondsPerFrame
            let encoded = model.encode(try features.window(from: seek, count: size, size: window))
            let result = generateWithFallback(encoded: encoded, prompt: prompt, options: options)
            if let threshold = options.noSpeechThreshold, result.noSpeechProbability > threshold,
               !(options.logProbThreshold.map { result.averageLogProbability > $0 } ?? false) {
                seek += size
                continue
            }
            let tokens = result.tokens
            if options.timestamps {
                let (timed, advance) = splitByTimestamps(tokens, offset: offset, windowFrames: size, secondsPerFrame: secondsPerFrame)
                segments += timed
                seek += advance
            } else {
                let text = tokenizer.decode(tokens).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty {
                    segments.append(Transcript.Segment(start: offset, end: min(duration, offset + Double(size) * secondsPerFrame), text: text))
                }
                seek += size
            }
            allTokens += tokens
        }
        // Whisper sometimes runs its timestamps past the end of a short clip: keep segments inside the audio.
        segments = segments.filter { $0.start < duration }.map { .init(start: $0.start, end: min($0.end, duration), text: $0.text) }
        let text = tokenizer.decode(allTokens).trimmingCharacters(in: .whitespacesAndNewlines)
        return Transcript(language: detected.code, languageProbability: detected.probability, text: text,
                          segments: segments, tokenIDs: allTokens.map(Int.init), duration: duration)
    }

    /// The most probable language of an encoded window: softmax over the language tokens' logits after
    /// `<|startoftranscript|>`.
    public func detectLanguage(encoded: [Float]) -> (code: String, probability: Double) {
        var state = model.decoderState(encoded: encoded)
        let logits = model.decode([tokenizer.startOfTranscript], state: &state)
        let scores = tokenizer.languages.map { Double(logits[Int($0.id)]) }
        let top = scores.max() ?? 0
        let total = scores.reduce(0) { $0 + exp($1 - top) }
        let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        return (tokenizer.languages[best].code, 1 / total)
    }

    // MARK: Decoding

    struct Decoded {
        var tokens: [Int32]
        var sumLogProbability: Double
        var averageLogProbability: Double
        var noSpeechProbability: Double
        var compressionRatio: Double
    }

    func generateWithFallback(encoded: [Float], prompt: [Int32], options: Options) -> Decoded {
        var tried: [Decoded] = []
        var belowCompressionThreshold: [Decoded] = []
        let state = model.decoderState(encoded: encoded)
        for temperature in options.temperatures.isEmpty ? [0] : options.temperatures {
            let candidates = temperature > 0 ? max(1, options.bestOf) : 1
            // One seeded sampler per temperature, shared by its candidates (so they differ); nil: greedy.
            var sampler = temperature > 0 ? Sampler(SamplingOptions(temperature: Double(temperature), seed: options.seed)) : nil
            var best: Decoded?
            for _ in 0..<candidates {
                let decoded = generate(state: state, prompt: prompt, sampler: &sampler, timestamps: options.timestamps)
                // Candidates are ranked by their length-normalised log probability (CTranslate2's length penalty 1).
                if best == nil || decoded.sumLogProbability / Double(max(1, decoded.tokens.count))
                    > best!.sumLogProbability / Double(max(1, best!.tokens.count)) {
                    best = decoded
                }
            }
            let result = best!
            tried.append(result)
            var fallback = false
            if let threshold = options.compressionRatioThreshold {
                if result.compressionRatio > threshold { fallback = true } else { belowCompressionThreshold.append(result) }
            }
            if let threshold = options.logProbThreshold, result.averageLogProbability < threshold { fallback = true }
            if let noSpeech = options.noSpeechThreshold, result.noSpeechProbability > noSpeech,
               let threshold = options.logProbThreshold, result.averageLogProbability < threshold {
                fallback = false  // silence: no point in sampling
            }
            if !fallback { return result }
        }
        let pool = belowCompressionThreshold.isEmpty ? tried : belowCompressionThreshold
        return pool.max { $0.averageLogProbability < $1.averageLogProbability }!
    }

    func generate(state initial: WhisperModel.DecoderState, prompt: [Int32], sampler: inout Sampler?, timestamps: Bool)
        -> Decoded {
        var state = initial
        let vocabulary = model.vocabularySize
        let promptLogits = model.decode(prompt, state: &state)
        // No-speech probability: softmax at the <|startoftranscript|> position.
        let noSpeech = Self.probability(of: Int(tokenizer.noSpeech), in: promptLogits[0..<vocabulary])
        var logits = Array(promptLogits[((prompt.count - 1) * vocabulary)...])
        var tokens: [Int32] = []
        var sumLogProbability = 0.0
        let limit = model.maxTokens - prompt.count
        while true {
            for id in suppressed where Int(id) < vocabulary { logits[Int(id)] = -.infinity }
            if tokens.isEmpty { for id in suppressedAtBegin where Int(id) < vocabulary { logits[Int(id)] = -.infinity } }
            if timestamps { applyTimestampRules(&logits, tokens: tokens) }
            let logProbabilities = Self.logSoftmax(logits)
            let next: Int
            if sampler != nil {
                next = Int(sampler!.next(logits, history: []))
            } else {
                next = logProbabilities.indices.max { logProbabilities[$0] < logProbabilities[$1] }!
            }
            sumLogProbability += Double(logProbabilities[next])
            if next == Int(tokenizer.endOfText) { break }
            tokens.append(Int32(next))
            if tokens.count >= limit { break }
            logits = model.decode([Int32(next)], state: &state)
        }
        let text = tokenizer.decode(tokens).trimmingCharacters(in: .whitespacesAndNewlines)
        return Decoded(tokens: tokens, sumLogProbability: sumLogProbability,
                       averageLogProbability: sumLogProbability / Double(tokens.count + 1),
                       noSpeechProbability: noSpeech, compressionRatio: Self.compressionRatio(text))
    }

    /// Whisper's timestamp rules: timestamps come in pairs and never go back; after a lone timestamp only text
    /// or its pair may follow; the first token is a timestamp within the first second; and when the timestamps
    /// together are likelier than any single text token, a timestamp is forced.
    func applyTimestampRules(_ logits: inout [Float], tokens: [Int32]) {
        let begin = Int(tokenizer.timestampBegin), eot = Int(tokenizer.endOfText), count = logits.count
        logits[Int(tokenizer.noTimestamps)] = -.infinity
        let lastWasTimestamp = tokens.count >= 1 && tokens[tokens.count - 1] >= tokenizer.timestampBegin
        let penultimateWasTimestamp = tokens.count < 2 || tokens[tokens.count - 2] >= tokenizer.timestampBegin
        if lastWasTimestamp {
            if penultimateWasTimestamp {
                for i in begin..<count { logits[i] = -.infinity }  // after a pair, text must follow
            } else {
                for i in 0..<eot { logits[i] = -.infinity }  // close the pair (or end)
            }
        }
        if let lastTimestamp = tokens.last(where: { $0 >= tokenizer.timestampBegin }) {
            // Timestamps never decrease; a closing one may repeat the opening one only right after it.
            let floor = lastWasTimestamp && !penultimateWasTimestamp ? Int(lastTimestamp) : Int(lastTimestamp) + 1
            for i in begin..<min(floor, count) { logits[i] = -.infinity }
        }
        if tokens.isEmpty {
            for i in 0..<begin { logits[i] = -.infinity }
            let maxInitial = begin + 50  // 1.0 s
            if maxInitial + 1 < count { for i in (maxInitial + 1)..<count { logits[i] = -.infinity } }
        }
        let logProbabilities = Self.logSoftmax(logits)
        var timestampMass = -Double.infinity
        for i in begin..<count where logProbabilities[i] > -.infinity {
            let value = Double(logProbabilities[i])
            timestampMass = max(timestampMass, value) + log1p(exp(-abs(timestampMass - value)))
        }
        let bestText = logProbabilities[0..<begin].max() ?? -.infinity
        if timestampMass > Double(bestText) {
            for i in 0..<begin { logits[i] = -.infinity }
        }
    }

    /// Cuts a window's tokens into segments at timestamp pairs; returns them and how many frames to advance.
    func splitByTimestamps(_ tokens: [Int32], offset: Double, windowFrames: Int, secondsPerFrame: Double)
        -> ([Transcript.Segment], Int) {
        let begin = tokenizer.timestampBegin
        func seconds(_ token: Int32) -> Double { Double(token - begin) * 0.02 }
        var segments: [Transcript.Segment] = []
        let singleTimestampEnding = tokens.count >= 2 && tokens[tokens.count - 2] < begin && tokens[tokens.count - 1] >= begin
        var consecutive: [Int] = []
        for i in 1..<max(1, tokens.count) where tokens[i] >= begin && tokens[i - 1] >= begin { consecutive.append(i) }
        if consecutive.isEmpty {
            let text = tokenizer.decode(tokens).trimmingCharacters(in: .whitespacesAndNewlines)
            var end = Double(windowFrames) * secondsPerFrame
            if let last = tokens.last(where: { $0 >= begin }), last != begin { end = seconds(last) }
            if !text.isEmpty { segments.append(.init(start: offset, end: offset + end, text: text)) }
            return (segments, windowFrames)
        }
        var slices = consecutive
        if singleTimestampEnding { slices.append(tokens.count) }
        var lastSlice = 0
        for current in slices {
            let piece = Array(tokens[lastSlice..<current])
            if let first = piece.first, let last = piece.last, first >= begin, last >= begin {
                let text = tokenizer.decode(piece).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty {
                    segments.append(.init(start: offset + seconds(first), end: offset + seconds(last), text: text))
                }
            }
            lastSlice = current
        }
        if singleTimestampEnding { return (segments, windowFrames) }
        // Continue from the last timestamp the model gave.
        let lastTimestamp = tokens[lastSlice - 1]
        let advance = Int((seconds(lastTimestamp) / secondsPerFrame).rounded())
        return (segments, max(1, min(windowFrames, advance)))
    }

    // MARK: Maths

    static func logSoftmax(_ logits: [Float]) -> [Float] {
        let top = logits.max() ?? 0
        var sum: Double = 0
        for x in logits where x > -.infinity { sum += exp(Double(x - top)) }
        let logSum = Float(log(sum)) + top
        return logits.map { $0 - logSum }
    }

    static func probability(of index: Int, in logits: ArraySlice<Float>) -> Double {
        let top = logits.max() ?? 0
        var sum = 0.0
        for x in logits { sum += exp(Double(x - top)) }
        return exp(Double(logits[logits.startIndex + index] - top)) / sum
    }

    /// Bytes of the text over bytes of its zlib compression (Whisper's repetition measure).
    static func compressionRatio(_ text: String) -> Double {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return 0 }
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        guard compress2(&out, &size, bytes, uLong(bytes.count), Z_DEFAULT_COMPRESSION) == Z_OK, size > 0 else { return 0 }
        return Double(bytes.count) / Double(size)
    }
}
