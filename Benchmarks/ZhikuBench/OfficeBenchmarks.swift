import Foundation
import ZhikuCore
import ZhikuIngest

/// Extraction speed of documents at the size teams have them — a 200-page report with tables (Word, OpenDocument),
/// a 10 000-row sheet (Excel) and CSV (GBK), a 200-slide deck, a 200-chapter EPUB, 200 pages of Chinese WordPad RTF;
/// Chinese and English — beside the Python libraries RAG tools read these formats with (python-docx, openpyxl,
/// python-pptx, odfpy, EbookLib, csv, striprtf) on the same files, best of three runs each.
enum OfficeBenchmarks {
    static let runs = 3

    static func run(python: String?, work: URL, clock: ContinuousClock, repository: URL,
                    peer: (String, [String]) async -> [String: Double]?) async throws -> [TableRow] {
        guard let python else { return [TableRow(what: "Office extraction", tool: "zhiku", value: "needs --python (scripts/bench.sh)")] }
        var rows: [TableRow] = []
        for (kind, type, extractor, unit) in [("docx", MediaType.docx, DocxExtractor() as any DocumentExtractor, "pages"),
                                              ("xlsx", .xlsx, XlsxExtractor(), "rows"),
                                              ("pptx", .pptx, PptxExtractor(), "slides"),
                                              ("odt", .odt, OpenDocumentExtractor(), "pages"),
                                              ("epub", .epub, EPUBExtractor(), "chapters"),
                                              ("csv", .csv, DelimitedTextExtractor(), "rows"),
                                              ("rtf", .rtf, RTFExtractor(), "pages")] {
            let url = work.appendingPathComponent("bench.\(kind)")
            try runPython(python, [repository.appendingPathComponent("scripts/office-fixtures.py").path, "\(kind)-large", url.path])
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            let file = SourceFile(name: url.lastPathComponent, url: url, sha256: "bench", mediaType: type, size: Int64(size))
            var best = Double.infinity, document = ExtractedDocument(pages: [])
            for _ in 0..<runs {
                let start = clock.now
                document = try await extractor.extract(file)
                best = min(best, seconds(clock.now - start))
            }
            let characters = document.pages.reduce(0) { $0 + $1.text.count }
            let units = switch kind {
            case "xlsx", "csv": document.pages.reduce(0) { $0 + $1.text.split(separator: "\n").count { $0.hasPrefix("| ") } } - 2 * document.pages.count
            default: document.pages.count
            }
            let megabytes = Double(size) / 1_048_576
            rows.append(TableRow(what: "extract .\(kind) (\(String(format: "%.2f", megabytes)) MB, \(units) \(unit))", tool: "zhiku",
                                 value: String(format: "%.2f s, %.1f MB/s, %.0f %@/s, %d characters", best, megabytes / best,
                                               Double(units) / best, unit, characters)))
            let reply = await peer("office_extract.py", [kind, url.path, "\(runs)"]) ?? [:]
            let peerSeconds = reply["seconds"] ?? .nan
            let library = ["docx": "python-docx 1.1.2", "xlsx": "openpyxl 3.1.5 (read-only)", "pptx": "python-pptx 1.0.2",
                           "odt": "odfpy 1.4.1 (teletype)", "epub": "EbookLib 0.18 + html.parser", "csv": "Python csv (gb18030)",
                           "rtf": "striprtf 0.0.35"][kind]!
            rows.append(TableRow(what: "", tool: library,
                                 value: String(format: "%.2f s, %.1f MB/s, %.0f %@/s, %d characters", peerSeconds, megabytes / peerSeconds,
                                               Double(units) / peerSeconds, unit, Int(reply["characters"] ?? 0))))
        }
        return rows
    }

    /// Runs `python` with `arguments` to its end (writing a benchmark's document); a failure is an error.
    static func runPython(_ python: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ZhikuError(.internal, "\(arguments.first ?? "python") failed (status \(process.terminationStatus))")
        }
    }
}
