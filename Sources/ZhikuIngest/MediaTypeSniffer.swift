import Foundation
import ZhikuCore

/// Decides a file's media type from its bytes. The name only chooses between text flavours (Markdown, CSV, TSV,
/// plain text), never between text and binary formats; a zip container is told apart by its parts.
public enum MediaTypeSniffer {
    /// ``sniff(head:name:)``, with a zip container at `url` looked into: Word, Excel and PowerPoint documents by
    /// their main part, EPUB and OpenDocument by their `mimetype`; anything else stays ``MediaType/zip``.
    public static func sniff(head: [UInt8], name: String, url: URL) -> MediaType {
        let type = sniff(head: head, name: name)
        guard type == .zip, var zip = try? ZipContainer(url: url, fileName: name) else { return type }
        let main = (try? OfficePackage.mainPart(in: &zip, fileName: name, fallback: "")) ?? ""
        let office: [(folder: String, part: String, type: MediaType)] = [
            ("word/", "word/document.xml", .docx), ("xl/", "xl/workbook.xml", .xlsx), ("ppt/", "ppt/presentation.xml", .pptx),
        ]
        for format in office where main.isEmpty ? zip.contains(format.part) : main.hasPrefix(format.folder) {
            return format.type
        }
        if let mimetype = try? zip.text("mimetype", limit: 200),
           let type = MediaType(rawValue: mimetype.trimmingCharacters(in: .whitespacesAndNewlines)),
           [.epub, .odt, .ods, .odp].contains(type) {
            return type
        }
        // An EPUB zipped as its folder, or without its `mimetype`: its container file says what it is.
        if let root = zip.packageRoot(marker: "META-INF/container.xml"),
           let container = try? zip.text(root + "META-INF/container.xml", limit: 64 * 1024),
           container.contains("application/oebps-package+xml") {
            return .epub
        }
        return .zip
    }

    /// How many leading bytes ``sniff(head:name:)`` looks at.
    public static let headLength = 64 * 1024

    public static func sniff(head: [UInt8], name: String) -> MediaType {
        if let magic = magicType(head) { return magic }
        guard !head.isEmpty, let decoded = try? TextDecoding.decode(head, partial: true) else { return .octetStream }
        let lowerName = name.lowercased()
        if looksLikeHTML(decoded.text) { return .html }
        if lowerName.hasSuffix(".md") || lowerName.hasSuffix(".markdown") || lowerName.hasSuffix(".mdx") {
            return .markdown
        }
        if lowerName.hasSuffix(".csv") { return .csv }
        if lowerName.hasSuffix(".tsv") || lowerName.hasSuffix(".tab") { return .tsv }
        return .plainText
    }

    private static func magicType(_ b: [UInt8]) -> MediaType? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + prefix.count && Array(b[offset..<(offset + prefix.count)]) == prefix
        }
        // PDF readers accept the header anywhere in the first 1024 bytes.
        let pdf: [UInt8] = Array("%PDF-".utf8)
        if b.prefix(1024).indices.contains(where: { starts(pdf, at: $0) }) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(Array("BM".utf8)), b.count >= 14, b[6...9].allSatisfy({ $0 == 0 }) { return .bmp }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("RIFF".utf8)), starts(Array("WAVE".utf8), at: 8) { return .wav }
        if starts(Array("OggS".utf8)) { return .ogg }
        if starts(Array("fLaC".utf8)) { return .flac }
        // ISO base media (MP4/M4A/3GP): an `ftyp` box first; WebM/Matroska: the EBML header.
        if starts(Array("ftyp".utf8), at: 4) { return .m4a }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if starts(Array("ID3".utf8)) || (b.count >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0) { return .mp3 }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts(Array("{\\rtf".utf8)) { return .rtf }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .oleCompound }
        return nil
    }

    private static func looksLikeHTML(_ text: String) -> Bool {
        let start = text.prefix(2048).lowercased().drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") { return true }
        guard start.hasPrefix("<") else { return false }
        return start.contains("<html") || start.contains("<head") || start.contains("<body")
    }
}
