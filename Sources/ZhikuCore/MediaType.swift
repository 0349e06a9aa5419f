/// The kind of content a file holds, decided from its bytes (see `MediaTypeSniffer` in ZhikuIngest).
public enum MediaType: String, Sendable, Codable, CaseIterable {
    case plainText = "text/plain"
    case markdown = "text/markdown"
    case html = "text/html"
    case pdf = "application/pdf"
    case png = "image/png"
    case jpeg = "image/jpeg"
    case gif = "image/gif"
    case tiff = "image/tiff"
    case bmp = "image/bmp"
    case webp = "image/webp"
    case wav = "audio/wav"
    case mp3 = "audio/mpeg"
    case ogg = "audio/ogg"
    case flac = "audio/flac"
    case m4a = "audio/mp4"
    case webm = "audio/webm"
    case csv = "text/csv"
    case tsv = "text/tab-separated-values"
    case docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    case xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    case pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    case epub = "application/epub+zip"
    case odt = "application/vnd.oasis.opendocument.text"
    case ods = "application/vnd.oasis.opendocument.spreadsheet"
    case odp = "application/vnd.oasis.opendocument.presentation"
    case rtf = "application/rtf"
    /// A zip container that is none of the document formats above.
    case zip = "application/zip"
    /// An OLE compound file: a legacy .doc/.xls/.ppt, or an Office document encrypted with a password.
    case oleCompound = "application/x-ole-storage"
    case octetStream = "application/octet-stream"

    /// True for the text-like types whose bytes are decoded as characters.
    public var isText: Bool { [.plainText, .markdown, .html, .csv, .tsv].contains(self) }

    /// True for sound recordings, which are transcribed.
    public var isAudio: Bool { [.wav, .mp3, .ogg, .flac, .m4a, .webm].contains(self) }
}
