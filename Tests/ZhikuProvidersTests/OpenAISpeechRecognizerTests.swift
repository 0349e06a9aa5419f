import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuProviders

/// The OpenAI-compatible transcription backend against a second Zhiku process serving `/v1/audio/transcriptions`
/// with its built-in Whisper — real HTTP both ways.
@Suite struct OpenAISpeechRecognizerTests {
    @Test func transcribesThroughASecondZhikuProcess() async throws {
        guard (try? ModelLocation.folder(for: WhisperSpeechRecognizer.id)) != nil else {
            try Skip.now("model whisper-base not found (scripts/fetch-models.sh fetches it)")
        }
        let data = TemporaryFolder()
        let (server, base) = try CLI.startServer(data: data.url)
        defer { server.terminate(); server.waitUntilExit() }

        let audio = TemporaryFolder()
        let url = audio.url.appendingPathComponent("visitors.wav")
        try await EspeakSpeechSynthesizer().synthesize("The quarterly budget meeting is on Friday in the library.", voice: "en-us", rate: nil).wav().write(to: url)
        let source = SourceFile(name: "visitors.wav", url: url, sha256: "", mediaType: .wav, size: 0)
        let remote = OpenAISpeechRecognizer(.init(baseURL: base + "/v1", model: "whisper-1", apiKey: "unused"))
        let transcript = try await remote.transcribe(source, language: nil)
        #expect(transcript.language == "en")
        let text = transcript.text.lowercased()
        for word in ["budget", "friday", "library"] { #expect(text.contains(word), "'\(word)' not in '\(transcript.text)'") }
        #expect(!transcript.segments.isEmpty && transcript.duration > 1)

        // Not audio: the server's 400 message comes through.
        let junk = audio.write("junk.wav", TestDocuments.junk(count: 1000))
        await #expect { _ = try await remote.transcribe(SourceFile(name: "junk.wav", url: junk, sha256: "", mediaType: .wav, size: 1000), language: nil) }
            throws: { error in (error as? ZhikuError)?.detail?.contains("cannot decode audio") == true }
    }

    @Test func languageNamesBecomeCodes() {
        #expect(OpenAISpeechRecognizer.code("english") == "en")
        #expect(OpenAISpeechRecognizer.code("Chinese") == "zh")
        #expect(OpenAISpeechRecognizer.code("zh") == "zh")
    }
}
