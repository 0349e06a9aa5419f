/// What a speech recognizer heard: the language, the text, and the text by time.
public struct Transcript: Sendable, Codable, Equatable {
    /// A stretch of speech and its text; times in seconds from the start of the audio.
    public struct Segment: Sendable, Codable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String

        public init(start: Double, end: Double, text: String) {
            self.start = start
            self.end = end
            self.text = text
        }
    }

    /// ISO 639-1 code such as `en` or `zh`.
    public var language: String
    /// How sure the recognizer was of the language (0…1; 1 when it was given).
    public var languageProbability: Double
    public var text: String
    public var segments: [Segment]
    /// The model's output tokens (text and timestamp tokens, no prompt or end token); empty for remote backends.
    public var tokenIDs: [Int]
    /// Length of the audio in seconds.
    public var duration: Double

    public init(language: String, languageProbability: Double, text: String, segments: [Segment], tokenIDs: [Int],
                duration: Double) {
        self.language = language
        self.languageProbability = languageProbability
        self.text = text
        self.segments = segments
        self.tokenIDs = tokenIDs
        self.duration = duration
    }
}
