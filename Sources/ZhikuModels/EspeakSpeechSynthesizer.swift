import CEspeak
import Foundation
import ZhikuCore

/// The built-in voice: espeak-ng through its C API (Debian's libespeak-ng), synthesizing in-process to samples.
/// espeak-ng keeps global state, so one synthesis runs at a time across the process.
public final class EspeakSpeechSynthesizer: SpeechSynthesizer, @unchecked Sendable {
    /// The voice for Mandarin text and the one for everything else.
    public static let mandarinVoice = "cmn"
    public static let englishVoice = "en-us"
    /// espeak-ng's default speaking rate (words per minute) and the range it accepts.
    public static let defaultRate = 175
    public static let rates = 80...450
    /// The longest text spoken in one call, in characters.
    public static let maximumCharacters = 20_000

    private static let lock = NSLock()
    nonisolated(unsafe) private static var sampleRate: Int32 = 0

    public let voices: [String]

    public init() throws {
        // Starting espeak-ng and listing its voices both touch its global state: under the lock.
        let names = try Self.lock.withLock { () throws -> [String] in
            if Self.sampleRate <= 0 {
                Self.sampleRate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, nil, 0)
                guard Self.sampleRate > 0 else {
                    throw ZhikuError(.internal, "espeak-ng did not start (is espeak-ng-data installed?)")
                }
                espeak_SetSynthCallback { samples, count, events in
                    guard let samples, count > 0, let sink = events?.pointee.user_data else { return 0 }
                    sink.assumingMemoryBound(to: [Int16].self).pointee.append(contentsOf: UnsafeBufferPointer(start: samples, count: Int(count)))
                    return 0
                }
            }
            var names: [String] = []
            if var list = espeak_ListVoices(nil) {
                while let voice = list.pointee {
                    if let name = voice.pointee.languages.map({ String(cString: $0 + 1) }), !name.isEmpty { names.append(name) }
                    list += 1
                }
            }
            return names
        }
        voices = names.isEmpty ? [Self.englishVoice, Self.mandarinVoice] : names.sorted()
    }

    /// The voice for `text`: Mandarin when a fair share of its letters are Chinese characters, English otherwise.
    public static func voice(for text: String) -> String {
        var cjk = 0, letters = 0
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic {
            letters += 1
            if scalar.isCJK { cjk += 1 }
        }
        return letters > 0 && cjk * 4 >= letters ? mandarinVoice : englishVoice
    }

    public func synthesize(_ text: String, voice: String?, rate: Int?) async throws -> AudioClip {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ZhikuError.invalidInput("there is no text to speak") }
        guard text.count <= Self.maximumCharacters else {
            throw ZhikuError.invalidInput("the text has \(text.count) characters; at most \(Self.maximumCharacters) are spoken at once")
        }
        let voice = voice ?? Self.voice(for: text)
        guard voices.contains(voice) || [Self.englishVoice, Self.mandarinVoice].contains(voice) else {
            throw ZhikuError.invalidInput("unknown voice '\(voice)'; for example \(Self.englishVoice) or \(Self.mandarinVoice)")
        }
        let rate = rate ?? Self.defaultRate
        guard Self.rates.contains(rate) else {
            throw ZhikuError.invalidInput("rate \(rate) is outside \(Self.rates.lowerBound)…\(Self.rates.upperBound) words per minute")
        }
        // Synthesis runs on the compute threads, one at a time (espeak-ng keeps global state).
        return try await ComputeThreads.shared.run { try Self.lock.withLock {
            guard espeak_SetVoiceByName(voice) == EE_OK else { throw ZhikuError.invalidInput("espeak-ng has no voice '\(voice)'") }
            espeak_SetParameter(espeakRATE, Int32(rate), 0)
            var samples: [Int16] = []
            let status = withUnsafeMutablePointer(to: &samples) { sink in
                text.withCString { bytes in
                    espeak_Synth(bytes, strlen(bytes) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, sink)
                }
            }
            guard status == EE_OK else { throw ZhikuError(.internal, "espeak-ng failed to synthesize (error \(status.rawValue))") }
            return AudioClip(samples: samples.map { Float($0) / 32768 }, sampleRate: Int(Self.sampleRate))
        } }
    }
}
