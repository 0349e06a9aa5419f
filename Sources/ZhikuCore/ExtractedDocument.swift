/// A heading found by an extractor, located by its code-point offset in the page text.
public struct Heading: Sendable, Hashable, Codable {
    public var level: Int
    public var title: String
    public var offset: Int

    public init(level: Int, title: String, offset: Int) {
        self.level = level
        self.title = title
        self.offset = offset
    }
}

/// Where a numbered row of the source (a spreadsheet row, a CSV record) starts in a page's text, so a chunk cut
/// out of a table can say which rows it holds.
public struct RowMark: Sendable, Hashable, Codable {
    /// Code-point offset of the row's line in the page text.
    public var offset: Int
    /// The row's number as the source shows it (Excel's row number, the CSV record counted from 1).
    public var number: Int

    public init(offset: Int, number: Int) {
        self.offset = offset
        self.number = number
    }
}

/// One page of extracted text (a text file or web page is a single page).
public struct ExtractedPage: Sendable, Hashable, Codable {
    /// 1-based page number, as a citation shows it.
    public var number: Int
    public var text: String
    public var headings: [Heading]
    /// The OCR engine that read the page (e.g. `tesseract 5.3.0 chi_sim+eng`); nil for a text layer or a text file.
    public var engine: String?
    /// OCR'd pages: the mean word confidence (0…100), the words with their boxes (in pixels of the image read,
    /// `imageWidth`×`imageHeight`) and their code-point ranges in `text`.
    public var confidence: Double?
    public var words: [OCRText.Word]?
    public var imageWidth: Int?
    public var imageHeight: Int?
    /// Transcribed audio: the stretch of the recording the page's text was spoken in, in seconds.
    public var startSeconds: Double?
    public var endSeconds: Double?
    /// Spreadsheets and CSV: where each source row's line starts, in text order (nil for other documents).
    public var rows: [RowMark]?

    public init(number: Int, text: String, headings: [Heading] = [], engine: String? = nil) {
        self.number = number
        self.text = text
        self.headings = headings
        self.engine = engine
    }

    /// A page read by OCR.
    public init(number: Int, ocr: OCRText) {
        self.init(number: number, text: ocr.text, engine: ocr.engine)
        confidence = ocr.confidence
        words = ocr.words
        imageWidth = ocr.width
        imageHeight = ocr.height
    }
}

/// What an extractor read out of a ``SourceFile``.
public struct ExtractedDocument: Sendable, Hashable, Codable {
    public var pages: [ExtractedPage]
    /// The document's title, author and dates, where its format records them.
    public var metadata: DocumentMetadata?

    public init(pages: [ExtractedPage], metadata: DocumentMetadata? = nil) {
        self.pages = pages
        self.metadata = metadata.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when no page holds anything but white space.
    public var isBlank: Bool {
        pages.allSatisfy { $0.text.unicodeScalars.allSatisfy { $0.properties.isWhitespace } }
    }
}
