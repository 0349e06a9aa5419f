import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite(.serialized, .offThePool) struct WhisperTranscriberTests {
    /// One line of ../shared/eval/speech/whisper-base-greedy.jsonl (faster-whisper 1.2.1, CTranslate2 4.8.5, float32).
    struct Reference: Decodable {
        var file: String
        var language: String
        var text: String
        var tokens: [Int]
    }

    static func recognizer() throws -> WhisperSpeechRecognizer? {
        guard let folder = try? ModelLocation.folder(for: WhisperSpeechRecognizer.id) else {
            try Skip.now("model whisper-base not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return try WhisperSpeechRecognizer(folder: folder)
    }

    @Test func languageAndTokenIDsMatchFasterWhisper() throws {
        guard let folder = SharedEval.folder("speech") else {
            try SharedEval.skip("Whisper reference transcripts")
        }
        guard let recognizer = try Self.recognizer() else { return }
        let references = try String(contentsOf: folder.appendingPathComponent("whisper-base-greedy.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
        #expect(references.count >= 3)
        for reference in references {
            let transcript = try recognizer.transcribe(url: folder.appendingPathComponent(reference.file), language: nil,
                                                       options: .greedyWithoutTimestamps)
            #expect(transcript.language == reference.language, "\(reference.file)")
            #expect(transcript.tokenIDs == reference.tokens, "\(reference.file)")
            #expect(transcript.text == reference.text, "\(reference.file)")
        }
    }

    @Test func spokenEnglishComesBackAsText() async throws {
        guard let recognizer = try Self.recognizer() else { return }
        let folder = TemporaryFolder()
        let speech = try await EspeakSpeechSynthesizer().synthesize(
            "The quarterly budget meeting is on Friday in the library.", voice: "en-us", rate: nil)
        let url = folder.url.appendingPathComponent("question.wav")
        try speech.wav().write(to: url)
        let transcript = try await recognizer.transcribe(
            SourceFile(name: "question.wav", url: url, sha256: "", mediaType: .wav, size: 0), language: nil)
        #expect(transcript.language == "en")
        let heard = transcript.text.lowercased()
        for word in ["quarterly", "budget", "meeting", "friday", "library"] {
            #expect(heard.contains(word), "'\(word)' not in '\(transcript.text)'")
        }
        // Timestamps are on by default: segments lie inside the audio and in order.
        #expect(!transcript.segments.isEmpty)
        #expect(transcript.segments.allSatisfy { $0.start < $0.end && $0.end <= transcript.duration + 0.01 })
        #expect(zip(transcript.segments, transcript.segments.dropFirst()).allSatisfy { $0.start <= $1.start })
        #expect(abs(transcript.duration - speech.duration) < 0.05)
    }

    /// Temperature above 0 samples with the project's seeded ``Sampler``: the same seed gives the same transcript.
    @Test func samplingIsSeededAndRepeatable() async throws {
        guard let recognizer = try Self.recognizer() else { return }
        let clip = try await EspeakSpeechSynthesizer().synthesize(
            "The quarterly budget meeting is on Friday in the library.", voice: "en-us", rate: nil)
        let samples = try { () throws -> [Float] in
            let folder = TemporaryFolder()
            let url = folder.url.appendingPathComponent("budget.wav")
            try clip.wav().write(to: url)
            return try AudioDecoder.decode(url).samples
        }()
        var options = WhisperTranscriber.Options.greedyWithoutTimestamps
        options.temperatures = [0.6]
        options.seed = 42
        let first = try recognizer.transcriber.transcribe(samples, language: "en", options: options)
        let second = try recognizer.transcriber.transcribe(samples, language: "en", options: options)
        #expect(first.tokenIDs == second.tokenIDs)
        #expect(first.text.lowercased().contains("budget"), "\(first.text)")
    }

    @Test func silenceGivesNoText() throws {
        guard let recognizer = try Self.recognizer() else { return }
        let transcript = try recognizer.transcriber.transcribe([Float](repeating: 0, count: 16_000 * 3), language: "en")
        #expect(transcript.segments.isEmpty, "heard '\(transcript.text)' in silence")
    }

    @Test func unknownLanguageIsRefused() throws {
        guard let recognizer = try Self.recognizer() else { return }
        #expect(throws: ZhikuError.self) {
            try recognizer.transcriber.transcribe([Float](repeating: 0, count: 16_000), language: "xx")
        }
    }
}
