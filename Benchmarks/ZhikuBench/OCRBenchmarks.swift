import Foundation
import ZhikuCore
import ZhikuIngest

/// OCR seconds per A4 page at 300 dpi, Chinese and English, with one and two pages at a time: Zhiku's in-process
/// Tesseract beside the `tesseract` command-line tool on the same images.
enum OCRBenchmarks {
    static let pagesPerLanguage = 4

    static func run(work: URL, clock: ContinuousClock) async throws -> [TableRow] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/convert"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/tesseract") else {
            return [TableRow(what: "OCR", tool: "zhiku", value: "needs ImageMagick and the tesseract tool (scripts/bench.sh installs them)")]
        }
        var rows: [TableRow] = []
        for (language, chinese) in [("English", false), ("Chinese", true)] {
            let pages = try (0..<pagesPerLanguage).map { i in try page(chinese: chinese, seed: UInt64(i + 1), work: work) }
            let decoder = LeptonicaImageDecoder()
            let images = try pages.map { try decoder.decode([UInt8](try Data(contentsOf: $0)), name: $0.lastPathComponent)[0] }
            var zhiku: [Int: Double] = [:], cli: [Int: Double] = [:]
            for workers in [1, 2] {
                let engine = TesseractOCR(concurrency: workers)
                _ = try await engine.recognize(images[0], languages: "chi_sim+eng")  // load the language data
                let start = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for image in images { group.addTask { _ = try await engine.recognize(image, languages: "chi_sim+eng") } }
                    try await group.waitForAll()
                }
                zhiku[workers] = seconds(clock.now - start) / Double(images.count)
                let cliStart = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, url) in pages.enumerated() {
                        if i >= workers { try await group.next() }
                        group.addTask { try runTesseract(url) }
                    }
                    try await group.waitForAll()
                }
                cli[workers] = seconds(clock.now - cliStart) / Double(pages.count)
            }
            rows.append(TableRow(what: "OCR A4 300 dpi, \(language) (chi_sim+eng), s/page", tool: "zhiku (Tesseract C API, in-process)",
                                 value: String(format: "1 worker %.2f s, 2 workers %.2f s", zhiku[1]!, zhiku[2]!)))
            rows.append(TableRow(what: "", tool: "tesseract 5.3.0 command line",
                                 value: String(format: "1 at a time %.2f s, 2 at a time %.2f s", cli[1]!, cli[2]!)))
        }
        return rows
    }

    /// One A4 page (2480×3508 pixels) of generated prose.
    static func page(chinese: Bool, seed: UInt64, work: URL) throws -> URL {
        var r = Corpus.Random(state: seed)
        var lines: [String] = []
        for _ in 0..<(chinese ? 30 : 40) {
            if chinese {
                lines.append(String((0..<28).map { _ in Corpus.chinese[r.next(Corpus.chinese.count)] }) + "。")
            } else {
                lines.append((0..<10).map { _ in Corpus.english[r.next(Corpus.english.count)] }.joined(separator: " ").capitalized + ".")
            }
        }
        let url = work.appendingPathComponent("ocr-\(chinese ? "zh" : "en")-\(seed).png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = ["-size", "2480x3508", "xc:white", "-units", "PixelsPerInch", "-density", "300",
                       "-font", "Noto-Sans-CJK-SC", "-pointsize", "11", "-fill", "black",
                       "-annotate", "+150+200", lines.joined(separator: "\n"), url.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return url
    }

    /// The command-line tool on one page, single-threaded (as Zhiku's engine runs), output discarded.
    @Sendable static func runTesseract(_ url: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tesseract")
        p.arguments = [url.path, "-", "-l", "chi_sim+eng"]
        p.environment = ["OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }
}
