import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuModels

/// `zhiku say "text" -o out.wav`: text to speech with the built-in espeak-ng voice.
struct Say: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Text to speech with the built-in espeak-ng voice, written as a WAV file.")

    @Option(name: .shortAndLong, help: "The WAV file to write.") var output: String
    @Option(help: "The voice (default: cmn for Chinese text, en-us otherwise; see --list-voices).") var voice: String?
    @Option(help: "Words per minute (80…450, default 175).") var rate: Int?
    @Argument(help: "The text to speak.") var text: String

    func run() async throws {
        let synthesizer = try EspeakSpeechSynthesizer()
        let clip = try await synthesizer.synthesize(text, voice: voice, rate: rate)
        do {
            try clip.wav().write(to: URL(fileURLWithPath: output))
        } catch {
            throw ZhikuError.invalidInput("cannot write \(output): \(error.localizedDescription)")
        }
        emit(String(format: "%@: %.1f s at %d Hz, voice %@", output, clip.duration, clip.sampleRate,
                    voice ?? EspeakSpeechSynthesizer.voice(for: text)))
    }
}
