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

extension Transcript {
    /// `mm:ss` (or `h:mm:ss` past an hour), as a citation shows a moment of a recording: 135.4 → "02:15".
    public static func clock(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%02d:%02d", m, s)
    }

    /// Where a passage is: "02:15–02:40" for transcribed audio, "rows 2–41" for a piece of a spreadsheet or CSV
    /// (its sheet is its section), "page 3" otherwise.
    public static func location(page: Int, startSeconds: Double?, endSeconds: Double?, firstRow: Int? = nil, lastRow: Int? = nil) -> String {
        if let start = startSeconds { return "\(clock(start))–\(clock(endSeconds ?? start))" }
        if let first = firstRow {
            let last = lastRow ?? first
            return last == first ? "row \(first)" : "rows \(first)–\(last)"
        }
        return "page \(page)"
    }
}
