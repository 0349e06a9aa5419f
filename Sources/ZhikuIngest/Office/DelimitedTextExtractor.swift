import Foundation
import ZhikuCore

/// Reads CSV and TSV files (encoding detected as for any text) as one page holding a Markdown table whose first
/// row is the header; the splitter repeats the header in every chunk of a long table. Quoted fields may hold the
/// delimiter, doubled quotes and line breaks (RFC 4180).
public struct DelimitedTextExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.csv, .tsv] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let text = try file.readText()
        let rows = Self.rows(text, delimiter: file.mediaType == .tsv ? "\t" : Self.delimiter(of: text))
        progress(.init(pagesDone: 1, pagesTotal: 1))
        // Rows numbered as a spreadsheet opening the file numbers them (the header is row 1).
        let pages = DocumentBlock.pages([.numberedTable(rows: rows, numbers: Array(1...max(1, rows.count)))])
        guard !pages.isEmpty else { return ExtractedDocument(pages: [ExtractedPage(number: 1, text: "")]) }
        return ExtractedDocument(pages: pages)
    }

    /// The delimiter of a .csv: a comma, unless the first line has more semicolons (Excel in many locales) or tabs.
    static func delimiter(of text: String) -> Character {
        let first = text.prefix { $0 != "\n" }
        let counts: [(Character, Int)] = [(",", first.filter { $0 == "," }.count), (";", first.filter { $0 == ";" }.count),
                                          ("\t", first.filter { $0 == "\t" }.count)]
        return counts.max { $0.1 < $1.1 }.flatMap { $0.1 > 0 ? $0.0 : nil } ?? ","
    }

    /// The records of `text` (line breaks already `\n`), read scalar by scalar: the delimiters, quotes and line
    /// breaks are all single scalars, and walking grapheme clusters cost 20 times Python's csv module.
    static func rows(_ text: String, delimiter: Character) -> [[String]] {
        let separator = delimiter.unicodeScalars.first ?? ","
        var rows: [[String]] = [], row: [String] = [], field = String.UnicodeScalarView()
        var quoted = false, atFieldStart = true
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = iterator.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case separator:
                row.append(String(field)); field = String.UnicodeScalarView(); atFieldStart = true
            case "\n", "\r":
                row.append(String(field)); field = String.UnicodeScalarView(); atFieldStart = true
                rows.append(row); row = []
            default: field.append(c); atFieldStart = false
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(String(field)); rows.append(row) }
        return rows
    }
}
