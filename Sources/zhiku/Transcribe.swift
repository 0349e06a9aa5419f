import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuModels

/// `zhiku transcribe FILE [--json]`: speech to text with the built-in Whisper engine.
struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speech to text with the built-in Whisper base model (WAV, FLAC, OGG/Opus, WebM, MP3, M4A/AAC, …).")

    @Option(help: "The spoken language as an ISO 639-1 code (default: detected).") var language: String?
    @Flag(help: "Decode without timestamp tokens: one segment per 30 s window.") var noTimestamps = false
    @Option(help: "Sampling temperature; 0 is greedy with no fallback (default: Whisper's fallback 0, 0.2, …, 1.0).")
    var temperature: Float?
    @Flag(help: "Print JSON: language, language_probability, text, segments (start, end, text), token_ids, duration.")
    var json = false
    @Argument(help: "The audio file.") var file: String

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw ZhikuError.notFound("cannot read \(file)") }
        var options = WhisperTranscriber.Options()
        options.timestamps = !noTimestamps
        if let temperature { options.temperatures = [temperature] }
        let recognizer = try WhisperSpeechRecognizer(options: options)
        let transcript = try recognizer.transcribe(url: url, language: language, options: options)
        if json {
            struct Output: Encodable {
                struct Segment: Encodable { var start: Double; var end: Double; var text: String }
                var language: String
                var language_probability: Double
                var text: String
                var segments: [Segment]
                var token_ids: [Int]
                var duration: Double
            }
            try emitJSON(Output(language: transcript.language, language_probability: transcript.languageProbability,
                                text: transcript.text,
                                segments: transcript.segments.map { .init(start: $0.start, end: $0.end, text: $0.text) },
                                token_ids: transcript.tokenIDs, duration: transcript.duration))
        } else {
            emit(transcript.text)
        }
    }
}
