/// The speech-to-text seam: an audio file in (any format the backend decodes), text with time ranges out.
/// The built-in Whisper engine and OpenAI-compatible transcription servers are its backends.
public protocol SpeechRecognizer: Sendable {
    /// The model's id, for logs and API answers.
    var modelID: String { get }
    /// Transcribes `audio`; `language` (ISO 639-1) skips language detection when given.
    func transcribe(_ audio: SourceFile, language: String?) async throws -> Transcript
}
