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
        /// Where the word is in ``OCRText/text``, in code points (the unit of chunk offsets): a citation's words
        /// are those whose range overlaps the chunk's. Nil when the word could not be placed.
        public var start: Int?
        public var end: Int?

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
    /// The size of the image read, in pixels (the space of the word boxes).
    public var width: Int = 0
    public var height: Int = 0

    public init(text: String, words: [Word], confidence: Double, engine: String) {
        self.text = text
        self.words = words
        self.confidence = confidence
        self.engine = engine
    }

    /// Sets each word's code-point range in `text`, placing the words in reading order (a word that cannot be
    /// found keeps nil and does not move the search on).
    public mutating func placeWords() {
        let scalars = Array(text.unicodeScalars)
        var cursor = 0
        for i in words.indices {
            let target = Array(words[i].text.unicodeScalars)
            guard !target.isEmpty, target.count <= scalars.count else { continue }
            var found: Int?
            var position = cursor
            while position + target.count <= scalars.count {
                if scalars[position] == target[0], Array(scalars[position..<(position + target.count)]) == target {
                    found = position
                    break
                }
                position += 1
            }
            if let found {
                words[i].start = found
                words[i].end = found + target.count
                cursor = found + target.count
            }
        }
    }
}
