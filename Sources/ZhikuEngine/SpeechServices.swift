import Foundation
import Logging
import ZhikuCore
import ZhikuModels
import ZhikuProviders

/// The speech recognizer and synthesizer the configuration picks, each loaded on first use: the built-in Whisper
/// base model (or an OpenAI-compatible transcription server when `ZHIKU_SPEECH_URL` is set) and espeak-ng.
/// It is itself a ``SpeechRecognizer``, so the ingest pipeline can hold it before the model is loaded.
public final class SpeechServices: SpeechRecognizer, @unchecked Sendable {
    private let configuration: ZhikuConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private var recognizer: (any SpeechRecognizer)?
    private var synthesizer: (any SpeechSynthesizer)?

    public init(configuration: ZhikuConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The transcription model's id: the configured server's model, or the built-in `whisper-base`.
    public var modelID: String {
        configuration.speechServerURL == nil ? WhisperSpeechRecognizer.id : configuration.speechModel
    }

    /// The recognizer, loading it the first time.
    public func loadedRecognizer() throws -> any SpeechRecognizer {
        try lock.withLock {
            if let recognizer { return recognizer }
            let made: any SpeechRecognizer
            if let url = configuration.speechServerURL {
                made = OpenAISpeechRecognizer(.init(baseURL: url, model: configuration.speechModel, apiKey: configuration.speechServerAPIKey),
                                              logger: logger)
            } else {
                made = try WhisperSpeechRecognizer(maximumSeconds: configuration.maxAudioSeconds)
                logger.info("loaded speech model", metadata: ["model": "\(WhisperSpeechRecognizer.id)"])
            }
            recognizer = made
            return made
        }
    }

    /// The synthesizer, starting espeak-ng the first time.
    public func loadedSynthesizer() throws -> any SpeechSynthesizer {
        try lock.withLock {
            if let synthesizer { return synthesizer }
            let made = try EspeakSpeechSynthesizer()
            synthesizer = made
            return made
        }
    }

    public func transcribe(_ audio: SourceFile, language: String?) async throws -> Transcript {
        let recognizer = try loadedRecognizer()
        let started = ContinuousClock.now
        let transcript = try await recognizer.transcribe(audio, language: language)
        let took = ContinuousClock.now - started
        EngineMetrics.transcribed(audioSeconds: transcript.duration, took: took.seconds, model: recognizer.modelID)
        logger.info("transcribed audio", metadata: [
            "file": "\(audio.name)", "seconds": "\(String(format: "%.1f", transcript.duration))",
            "took": "\(took)", "language": "\(transcript.language)",
        ])
        return transcript
    }
}
