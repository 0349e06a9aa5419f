import Foundation
import ZhikuCore

/// The built-in speech recognizer: audio decoded by FFmpeg, transcribed by ``WhisperTranscriber`` in-process.
/// One transcription runs at a time (a window's encoder pass already keeps the BLAS threads busy), a request
/// waits its turn before its audio is decoded, and the audio is decoded a window at a time.
public final class WhisperSpeechRecognizer: SpeechRecognizer, @unchecked Sendable {
    /// The built-in model's id.
    public static let id = "whisper-base"
    public let modelID = WhisperSpeechRecognizer.id
    public let transcriber: WhisperTranscriber
    public let options: WhisperTranscriber.Options
    public let maximumSeconds: Double
    private let lock = NSLock()
    /// Turns at the transcriber, taken before decoding (waiting here holds no thread).
    private let turns = FairQueue(slots: 1)

    public init(folder: URL, options: WhisperTranscriber.Options = .init(),
                maximumSeconds: Double = AudioDecoder.defaultMaximumSeconds) throws {
        transcriber = try WhisperTranscriber(folder: folder)
        self.options = options
        self.maximumSeconds = maximumSeconds
    }

    /// The built-in model from the model cache (see ``ModelLocation``).
    public convenience init(options: WhisperTranscriber.Options = .init(),
                            maximumSeconds: Double = AudioDecoder.defaultMaximumSeconds) throws {
        try self.init(folder: ModelLocation.folder(for: Self.id), options: options, maximumSeconds: maximumSeconds)
    }

    /// Transcribes on the compute threads (a transcription keeps a core busy for seconds; Swift's task pool, which
    /// on Linux shares its threads with Dispatch's global queues, stays free).
    public func transcribe(_ audio: SourceFile, language: String?) async throws -> Transcript {
        let turn = try await turns.turn(for: "audio")
        defer { turn.release() }
        return try await ComputeThreads.shared.run { try self.transcribe(url: audio.url, language: language, options: self.options) }
    }

    /// Decodes and transcribes the file at `url` with `options`, a window at a time (``StreamedMelFeatures``: a
    /// 4-hour recording holds about 30 s of samples in memory, not 4 hours).
    public func transcribe(url: URL, language: String?, options: WhisperTranscriber.Options) throws -> Transcript {
        try lock.withLock {
            let features = try StreamedMelFeatures(url: url, frontEnd: transcriber.frontEnd, maximumSeconds: maximumSeconds)
            guard features.sampleCount >= LogMelSpectrogram.sampleRate / 10 else {
                throw ZhikuError.invalidInput("audio \(url.lastPathComponent) is shorter than 0.1 s")
            }
            return try transcriber.transcribe(features, language: language, options: options)
        }
    }
}
