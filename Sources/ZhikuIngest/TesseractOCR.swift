import CTesseract
import Foundation
import ZhikuCore

/// ``OCREngine`` on Tesseract 5 through its C API, in this process. A Tesseract instance is not thread-safe and
/// takes a while to load its language data, so instances are kept per language set and lent to one recognition
/// at a time; at most `concurrency` recognitions run at once (the rest wait), each on its own thread and
/// without Tesseract's own OpenMP threads (pages side by side use the cores better than one page split up).
public final class TesseractOCR: OCREngine, @unchecked Sendable {
    public let name: String
    private let dataPath: String?
    private let lock = NSLock()
    private var idle: [String: [OpaquePointer]] = [:]
    private let slots: DispatchSemaphore

    /// `dataPath`: a tessdata folder (default: the one Debian's tesseract-ocr packages install).
    public init(dataPath: String? = nil, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.dataPath = dataPath
        name = "tesseract " + String(cString: TessVersion())
        slots = DispatchSemaphore(value: max(1, concurrency))
    }

    deinit {
        for handles in idle.values { for handle in handles { TessBaseAPIEnd(handle); TessBaseAPIDelete(handle) } }
    }

    public func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
        guard !languages.isEmpty, languages.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "+" }) else {
            throw ZhikuError.invalidInput("OCR languages look like chi_sim+eng, got '\(languages)'")
        }
        // On the compute threads: Dispatch's global queues share their threads with Swift's task pool on Linux.
        return try await ComputeThreads.shared.run {
            self.slots.wait()
            defer { self.slots.signal() }
            return try self.recognizeNow(image, languages: languages)
        }
    }

    private func borrow(_ languages: String) throws -> OpaquePointer {
        if let handle = lock.withLock({ idle[languages]?.popLast() }) { return handle }
        guard let handle = TessBaseAPICreate() else { throw ZhikuError(.internal, "Tesseract could not start") }
        guard TessBaseAPIInit3(handle, dataPath, languages) == 0 else {
            TessBaseAPIDelete(handle)
            let packages = languages.split(separator: "+").map { "tesseract-ocr-" + $0.replacingOccurrences(of: "_", with: "-") }
            throw ZhikuError.invalidInput("Tesseract has no language data for '\(languages)' (Debian packages: \(packages.joined(separator: ", ")))")
        }
        return handle
    }

    private func giveBack(_ handle: OpaquePointer, _ languages: String) {
        TessBaseAPIClear(handle)
        lock.withLock { idle[languages, default: []].append(handle) }
    }

    private func recognizeNow(_ image: OCRImage, languages: String) throws -> OCRText {
        // Pages run side by side, one thread each: no OpenMP teams inside Tesseract (their idle threads spin).
        omp_set_max_active_levels(0)
        omp_set_num_threads(1)
        let handle = try borrow(languages)
        defer { giveBack(handle, languages) }
        TessBaseAPISetPageSegMode(handle, PSM_AUTO)
        image.pixels.withUnsafeBufferPointer { pixels in
            TessBaseAPISetImage(handle, pixels.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
        }
        TessBaseAPISetSourceResolution(handle, Int32(image.dpi ?? 300))
        guard TessBaseAPIRecognize(handle, nil) == 0 else {
            throw ZhikuError(.internal, "Tesseract could not recognise the \(image.width)×\(image.height) image")
        }
        var words: [OCRText.Word] = []
        if let iterator = TessBaseAPIGetIterator(handle) {
            defer { TessResultIteratorDelete(iterator) }
            let page = TessResultIteratorGetPageIterator(iterator)
            repeat {
                guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
                let text = String(cString: raw)
                TessDeleteText(raw)
                var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
                _ = TessPageIteratorBoundingBox(page, RIL_WORD, &left, &top, &right, &bottom)
                words.append(OCRText.Word(text: text, x: Int(left), y: Int(top), width: Int(right - left), height: Int(bottom - top),
                                          confidence: Double(TessResultIteratorConfidence(iterator, RIL_WORD))))
            } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        }
        var text = ""
        if let raw = TessBaseAPIGetUTF8Text(handle) {
            text = String(cString: raw)
            TessDeleteText(raw)
        }
        let confidence = words.isEmpty ? 0 : words.reduce(0) { $0 + $1.confidence } / Double(words.count)
        var result = OCRText(text: Self.joiningCJK(text), words: words, confidence: confidence, engine: "\(name) \(languages)")
        result.width = image.width
        result.height = image.height
        result.placeWords()
        return result
    }

    /// Tesseract puts a space between every two Chinese characters; text is indexed without them.
    static func joiningCJK(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, s) in scalars.enumerated() {
            if s == " ", let before = out.last, before.isCJK || "，。！？；：、（）".unicodeScalars.contains(before) {
                var j = i + 1
                while j < scalars.count, scalars[j] == " " { j += 1 }
                if j < scalars.count, scalars[j].isCJK || "，。！？；：、（）".unicodeScalars.contains(scalars[j]) { continue }
            }
            out.append(s)
        }
        return String(out).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
