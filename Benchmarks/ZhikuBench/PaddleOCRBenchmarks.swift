import Foundation
import ZhikuCore
import ZhikuIngest
import ZhikuModels

/// PP-OCR seconds per page on real pages: the development pages of ../shared/eval/ocr-real (pages of the QA
/// documents rendered clean at 300 dpi, as an office scan, as a phone photo and faded, by its make_images.sh), read
/// by Zhiku's PP-OCRv4 (its own ONNX interpreter) and by RapidOCR 1.4.4 (onnxruntime) in the same run, both on one
/// thread, both warmed up first, image decoding included. Also Zhiku on two threads, and the peak resident memory
/// of `zhiku ocr --engine paddle` on one 300-dpi A4 page.
enum PaddleOCRBenchmarks {
    static func run(python: String?, peers: URL, sharedEval: URL, qaDocs: URL, work: URL, clock: ContinuousClock) async throws -> [TableRow] {
        let script = sharedEval.appendingPathComponent("ocr-real/make_images.sh")
        guard FileManager.default.fileExists(atPath: script.path) else {
            return [TableRow(what: "PP-OCR", tool: "zhiku", value: "skipped: ../shared/eval not found")]
        }
        let folder = work.appendingPathComponent("ocr-real")
        let images = folder.appendingPathComponent("images")
        if !FileManager.default.fileExists(atPath: images.path) {
            let docs = folder.appendingPathComponent("docs")
            try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
            for name in ["maint-guide.zh-cn.pdf", "LinuxCNC_Developer_zh_CN.pdf"] {
                let target = qaDocs.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: target.path) else {
                    return [TableRow(what: "PP-OCR", tool: "zhiku", value: "skipped: \(target.path) missing (../shared/eval/qa/fetch.sh docs)")]
                }
                try? FileManager.default.createSymbolicLink(at: docs.appendingPathComponent(name), withDestinationURL: target)
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [script.path, sharedEval.appendingPathComponent("ocr-real/pages.tsv").path, folder.path]
            p.currentDirectoryURL = folder
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                return [TableRow(what: "PP-OCR", tool: "zhiku", value: "make_images.sh failed (needs poppler-utils and ImageMagick)")]
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().map { images.appendingPathComponent($0) }
        let conditions = ["a_clean": "clean 300 dpi", "b_office": "office scan 200 dpi", "c_phone": "phone photo 150 dpi", "d_lowcon": "faded 300 dpi"]
        func condition(_ url: URL) -> String { conditions.keys.first { url.lastPathComponent.contains($0) } ?? "?" }

        // Zhiku, one thread, then two.
        let decoder = LeptonicaImageDecoder()
        var zhiku: [Int: [String: Double]] = [:]
        for threads in [1, 2] {
            let engine = try PaddleOCR(threads: threads)
            _ = try engine.read(try decoder.decode([UInt8](try Data(contentsOf: files[0])), name: files[0].lastPathComponent)[0])
            for file in files {
                let start = clock.now
                let image = try decoder.decode([UInt8](try Data(contentsOf: file)), name: file.lastPathComponent)[0]
                _ = try engine.read(image)
                zhiku[threads, default: [:]][file.lastPathComponent] = seconds(clock.now - start)
            }
        }
        // RapidOCR.
        var rapid: [String: Double] = [:]
        if let python {
            let data = try output(of: python, [peers.appendingPathComponent("rapidocr_pages.py").path] + files.map(\.path)).stdout
            for line in data.split(separator: UInt8(ascii: "\n")) {
                if let row = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                   let image = row["image"] as? String, let s = row["seconds"] as? Double { rapid[image] = s }
            }
        }
        var rows: [TableRow] = []
        func mean(_ values: [String: Double], _ key: String) -> Double? {
            let matching = files.filter { condition($0) == key }.compactMap { values[$0.lastPathComponent] }
            return matching.isEmpty ? nil : matching.reduce(0, +) / Double(matching.count)
        }
        for key in conditions.keys.sorted() {
            let label = "PP-OCRv4, \(conditions[key]!), s/page (\(files.filter { condition($0) == key }.count) pages, zh+en)"
            rows.append(TableRow(what: label, tool: "zhiku (own ONNX interpreter), 1 thread",
                                 value: String(format: "%.2f s (2 threads: %.2f s)", mean(zhiku[1]!, key) ?? 0, mean(zhiku[2]!, key) ?? 0)))
            rows.append(TableRow(what: "", tool: "RapidOCR 1.4.4 (onnxruntime), 1 thread",
                                 value: mean(rapid, key).map { String(format: "%.2f s", $0) } ?? "not run (needs --python with rapidocr-onnxruntime)"))
        }
        let all1 = zhiku[1]!.values.reduce(0, +) / Double(files.count), all2 = zhiku[2]!.values.reduce(0, +) / Double(files.count)
        rows.append(TableRow(what: "PP-OCRv4, all \(files.count) pages, s/page", tool: "zhiku, 1 thread / 2 threads",
                             value: String(format: "%.2f s / %.2f s", all1, all2)))
        if rapid.count == files.count {
            rows.append(TableRow(what: "", tool: "RapidOCR 1.4.4, 1 thread", value: String(format: "%.2f s", rapid.values.reduce(0, +) / Double(files.count))))
        }
        // Peak memory of one 300-dpi A4 page, in a process of its own.
        let zhikuBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zhiku")
        if let page = files.first(where: { condition($0) == "a_clean" }), FileManager.default.isExecutableFile(atPath: zhikuBinary.path),
           FileManager.default.isExecutableFile(atPath: "/usr/bin/time") {
            let data = try output(of: "/usr/bin/time", ["-f", "%M", zhikuBinary.path, "ocr", "--engine", "paddle", page.path]).stderr
            if let kb = String(decoding: data, as: UTF8.self).split(separator: "\n").last.flatMap({ Double($0) }) {
                rows.append(TableRow(what: "PP-OCRv4 peak resident memory, one A4 page at 300 dpi (2480×3508)",
                                     tool: "zhiku ocr --engine paddle (whole process)", value: String(format: "%.0f MB", kb / 1024)))
            }
        }
        return rows
    }

    /// What `executable` printed on its standard output and error.
    static func output(of executable: String, _ arguments: [String]) throws -> (stdout: Data, stderr: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Drained side by side: a full error pipe would stop a process still writing its output.
        nonisolated(unsafe) var errors = Data()
        let reader = Thread { errors = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return (data, errors)
    }
}
