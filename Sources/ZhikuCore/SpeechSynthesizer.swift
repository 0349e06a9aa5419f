/// The text-to-speech seam: text in, sound out. espeak-ng is the built-in backend; a neural voice can replace it.
public protocol SpeechSynthesizer: Sendable {
    /// The voices this backend offers (names accepted by `synthesize`).
    var voices: [String] { get }
    /// Speaks `text` with `voice` (nil: chosen from the text's script) at `rate` words per minute (nil: default).
    func synthesize(_ text: String, voice: String?, rate: Int?) async throws -> AudioClip
}
