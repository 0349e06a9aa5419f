import Foundation
import ZhikuCore

/// Reads Rich Text Format (WordPad, Word, TextEdit, LibreOffice) as plain text: paragraphs, tables as Markdown
/// tables, headings where paragraphs carry an outline level, pages at page breaks, title and author from the
/// document's info. Characters come as `\uN` escapes or as bytes in the document's code page (`\ansicpg936`, or a
/// font's `\fcharset134`: GBK) and are decoded with iconv. Font, colour and style tables, pictures, objects,
/// headers, footers, field instructions and every `\*` destination are left out.
public struct RTFExtractor: DocumentExtractor {
    /// Groups nested deeper than this are refused (a document is rarely deeper than 20).
    public static let maximumDepth = 1_000

    public init() {}

    public var mediaTypes: Set<MediaType> { [.rtf] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let bytes = [UInt8](try Data(contentsOf: file.url))
        var reader = Reader(bytes, fileName: file.name)
        let document = try reader.read()
        progress(.init(pagesDone: document.pages.count, pagesTotal: document.pages.count))
        return document
    }

    /// What a group's text is for.
    enum Destination { case body, skipped, fontTable, info, title, author }

    /// The scanner: groups, control words and text, into pages of blocks.
    struct Reader {
        struct Group {
            var destination = Destination.body
            var unicodeSkip = 1          // \ucN: characters that stand in for each \uN
            var codepage: String? = nil  // from the current font's \fcharset
        }

        let b: [UInt8]
        let fileName: String
        var i = 0
        var groups = [Group()]
        var documentCodepage = "CP1252"
        var fontCodepages: [Int: String] = [:]
        var fontBeingDefined: Int? = nil
        var bytes: [UInt8] = []          // text bytes not yet decoded
        var skipCharacters = 0           // the stand-ins of the last \uN still to skip
        var highSurrogate: UInt32? = nil
        var paragraph = ""
        var outlineLevel: Int? = nil
        var inTable = false
        var cells: [String] = []
        var rows: [[String]] = []
        var blocks: [DocumentBlock] = []
        var title = "", author = ""

        init(_ bytes: [UInt8], fileName: String) {
            b = bytes
            self.fileName = fileName
        }

        var group: Group {
            get { groups[groups.count - 1] }
            set { groups[groups.count - 1] = newValue }
        }

        mutating func read() throws -> ExtractedDocument {
            while i < b.count {
                let c = b[i]
                switch c {
                case UInt8(ascii: "{"):
                    flushBytes()
                    guard groups.count < RTFExtractor.maximumDepth else {
                        throw ZhikuError.extractionFailed("'\(fileName)' nests its groups more than \(RTFExtractor.maximumDepth) deep")
                    }
                    groups.append(group)
                    i += 1
                case UInt8(ascii: "}"):
                    flushBytes()
                    if groups.count > 1 { groups.removeLast() }
                    i += 1
                case UInt8(ascii: "\\"):
                    try controlWord()
                case 0x0D, 0x0A:
                    i += 1
                default:
                    text(byte: c)
                    i += 1
                }
            }
            flushBytes()
            endParagraph()
            flushTable()
            let metadata = DocumentMetadata(title: title.isEmpty ? nil : title.trimmingCharacters(in: .whitespaces),
                                            author: author.isEmpty ? nil : author.trimmingCharacters(in: .whitespaces))
            return ExtractedDocument(pages: DocumentBlock.pages(blocks, sectionsWhenUnbroken: false), metadata: metadata)
        }

        // MARK: Control words and symbols

        mutating func controlWord() throws {
            i += 1
            guard i < b.count else { return }
            let c = b[i]
            guard isLetter(c) else {
                i += 1
                switch c {
                case UInt8(ascii: "'"):
                    guard i + 1 < b.count, let byte = UInt8(String(decoding: b[i...(i + 1)], as: UTF8.self), radix: 16) else { return }
                    i += 2
                    text(byte: byte)
                case UInt8(ascii: "*"): group.destination = .skipped
                case UInt8(ascii: "~"): emit(" ")
                case UInt8(ascii: "_"): emit("-")
                case UInt8(ascii: "\\"), UInt8(ascii: "{"), UInt8(ascii: "}"): text(byte: c)
                case 0x0D, 0x0A: endParagraph()
                default: break  // \- optional hyphen, \: index subentry
                }
                return
            }
            let start = i
            while i < b.count, isLetter(b[i]), i - start < 32 { i += 1 }
            let word = String(decoding: b[start..<i], as: UTF8.self)
            var parameter: Int? = nil
            let sign = i < b.count && b[i] == UInt8(ascii: "-") ? -1 : 1
            if sign < 0 { i += 1 }
            let digits = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, i - digits < 10 { i += 1 }
            if i > digits { parameter = sign * (Int(String(decoding: b[digits..<i], as: UTF8.self)) ?? 0) }
            if i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
            flushBytes()  // text so far is in the code page in force before this word (so `apply` need not flush)
            try apply(word, parameter)
        }

        mutating func apply(_ word: String, _ parameter: Int?) throws {
            switch word {
            case "bin":
                i += max(0, min(parameter ?? 0, b.count - i))   // binary data: skipped unread
            case "u":
                guard let parameter else { return }
                let unit = UInt32(parameter < 0 ? parameter + 65_536 : parameter)
                if (0xD800...0xDBFF).contains(unit) {
                    highSurrogate = unit
                } else if (0xDC00...0xDFFF).contains(unit), let high = highSurrogate {
                    highSurrogate = nil
                    if let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)) { emit(String(Character(scalar))) }
                } else if let scalar = Unicode.Scalar(unit) {
                    emit(String(Character(scalar)))
                }
                skipCharacters = group.unicodeSkip
            case "uc": group.unicodeSkip = max(0, parameter ?? 1)
            case "ansicpg": if let parameter { documentCodepage = "CP\(parameter)" }
            case "f":
                guard let parameter else { return }
                if group.destination == .fontTable { fontBeingDefined = parameter } else { group.codepage = fontCodepages[parameter] }
            case "fcharset":
                if group.destination == .fontTable, let font = fontBeingDefined, let codepage = parameter.flatMap(Self.codepage) {
                    fontCodepages[font] = codepage
                }
            case "fonttbl": group.destination = .fontTable
            case "info": group.destination = .info
            case "title": if group.destination == .info { group.destination = .title }
            case "author": if group.destination == .info { group.destination = .author }
            case "colortbl", "stylesheet", "pict", "object", "header", "headerl", "headerr", "headerf", "footer",
                 "footerl", "footerr", "footerf", "fldinst", "themedata", "colorschememapping", "datastore", "latentstyles",
                 "listtable", "listoverridetable", "rsidtbl", "generator", "xmlnstbl", "mmathPr", "filetbl", "revtbl",
                 "pgdsctbl", "bkmkstart", "bkmkend", "nonshppict", "shpinst", "operator", "company", "keywords", "comment",
                 "subject", "doccomm":
                group.destination = .skipped
            case "par": endParagraph()
            case "line": emit("\n")
            case "tab": emit("\t")
            case "page":
                endParagraph()
                flushTable()
                blocks.append(.pageBreak)
            case "pard":
                outlineLevel = nil
                inTable = false
            case "outlinelevel": if let parameter, (0...8).contains(parameter) { outlineLevel = parameter + 1 }
            case "intbl": inTable = true
            case "cell":
                cells.append(paragraph.trimmingCharacters(in: .whitespacesAndNewlines))
                paragraph = ""
            case "row":
                if !cells.isEmpty { rows.append(cells) }
                cells = []
            case "emdash": emit("—")
            case "endash": emit("–")
            case "lquote": emit("‘")
            case "rquote": emit("’")
            case "ldblquote": emit("“")
            case "rdblquote": emit("”")
            case "bullet": emit("•")
            default: break
            }
        }

        /// The iconv name of a font's `\fcharset` (nil: the document's code page).
        static func codepage(_ charset: Int) -> String? {
            switch charset {
            case 134: "CP936"      // GB2312 / GBK
            case 136: "CP950"      // Big5
            case 128: "CP932"      // Shift-JIS
            case 129: "CP949"      // Korean
            case 161: "CP1253"
            case 162: "CP1254"
            case 177: "CP1255"
            case 178: "CP1256"
            case 186: "CP1257"
            case 204: "CP1251"
            case 238: "CP1250"
            case 222: "CP874"
            default: nil
            }
        }

        // MARK: Text

        func isLetter(_ c: UInt8) -> Bool { (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) }

        /// A byte of text in the current code page (held until the run ends, so multi-byte characters decode whole).
        mutating func text(byte: UInt8) {
            if skipCharacters > 0 {
                skipCharacters -= 1
                return
            }
            switch group.destination {
            case .body, .title, .author: bytes.append(byte)
            case .fontTable:
                if byte == UInt8(ascii: ";") { fontBeingDefined = nil }
            case .skipped, .info: break
            }
        }

        mutating func flushBytes() {
            guard !bytes.isEmpty else { return }
            let codepage = group.codepage ?? documentCodepage
            let decoded = TextDecoding.iconvDecode(bytes, from: codepage, partial: false)
                ?? TextDecoding.iconvDecode(bytes, from: "CP1252", partial: false)
                ?? String(decoding: bytes, as: UTF8.self)
            bytes = []
            emitDecoded(decoded)
        }

        mutating func emit(_ s: String) {
            if skipCharacters > 0 {
                skipCharacters -= 1
                return
            }
            flushBytes()
            emitDecoded(s)
        }

        mutating func emitDecoded(_ s: String) {
            switch group.destination {
            case .body: paragraph += s
            case .title: title += s
            case .author: author += s
            case .fontTable, .skipped, .info: break
            }
        }

        mutating func endParagraph() {
            flushBytes()
            guard !inTable else { paragraph += "\n"; return }   // a paragraph inside a cell: the cell goes on
            flushTable()
            let text = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
            paragraph = ""
            guard !text.isEmpty else { return }
            if let level = outlineLevel, text.count <= 200 {
                blocks.append(.heading(level: level, text: text))
            } else {
                blocks.append(.paragraph(text))
            }
        }

        mutating func flushTable() {
            if !cells.isEmpty { rows.append(cells); cells = [] }
            guard !rows.isEmpty else { return }
            blocks.append(.table(rows))
            rows = []
        }
    }
}
