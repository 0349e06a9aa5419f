/// What an ``OCREngine`` read from one image: the text, each word with its box and confidence, and which engine.
public struct OCRText: Sendable, Hashable, Codable {
    /// A recognised word and where it is, in pixels of the image given (origin top left).
    public struct Word: Sendable, Hashable, Codable {
        public var text: String
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
        /// 0…100.
        public var confidence: Double

        public init(text: String, x: Int, y: Int, width: Int, height: Int, confidence: Double) {
            self.text = text
            self.x = x
            self.y = y
            self.width = width
            self.height = height
            self.confidence = confidence
        }
    }

    public var text: String
    public var words: [Word]
    /// Mean word confidence, 0…100.
    public var confidence: Double
    /// The engine that produced it, e.g. `tesseract 5.3.0 chi_sim+eng`.
    public var engine: String

    public init(text: String, words: [Word], confidence: Double, engine: String) {
        self.text = text
        self.words = words
        self.confidence = confidence
        self.engine = engine
    }
}
