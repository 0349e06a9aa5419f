import Foundation
import ZhikuCore

/// ``OCREngine`` on PaddleOCR's PP-OCRv4 models (from RapidOCR's wheel, run by Zhiku's own ``ONNXSession``):
/// DB text detection, a perspective crop of each box, SVTR-LCNet recognition with CTC decoding over the model's
/// 6 623-character Chinese/English dictionary. The steps and their settings follow RapidOCR 1.4.4 (limit the long
/// side to 2 000 pixels, detect at a short side of at least 736, recognise 48 pixels high in batches of six, drop
/// lines scoring under 0.5), so it reads what RapidOCR reads. The 180° direction model is asked only about lines
/// read with low confidence, and its answer kept only when the turned line reads better.
public final class PaddleOCR: OCREngine, Sendable {
    /// The folder name under the model cache (`scripts/fetch-models.sh` fills it).
    public static let modelID = "pp-ocrv4"
    public let name = "pp-ocrv4"

    let detector: ONNXSession
    let recognizer: ONNXSession
    let classifier: ONNXSession?
    /// The page layout model, when its weights are in the cache and layout is not turned off.
    let layout: LayoutDetector?
    /// The ruled-table model, when its weights are in the cache and layout and table grids are not turned off.
    let tableGrids: TableGridDetector?
    let decoder: CTCDecoder
    let boxFinder = TextBoxDetector()
    /// How many batches of lines are recognised at once (on as many cores).
    let threads: Int

    let maxSide = 2000, minSide = 30, detectionSide = 736, minHeight = 30, maxWidthRatio = 8
    let lineHeight = 48, lineWidth = 320, batchSize = 6
    let minimumScore: Float = 0.5
    /// Lines read with less confidence than this are tried turned half a turn when the direction model says so.
    let turnBelow: Float = 0.8

    /// Loads the models from `folder` (default: the model cache). `threads`: batches of lines read side by side.
    /// `layout`: order the page's lines by its regions and leave out running headers and footers (see
    /// ``OCRTextLayout``) when the layout model (``LayoutDetector/modelID``) is in the model cache. `tableGrids`:
    /// read a ruled table's cells from its rules (``TableGridDetector``, when its model is in the cache too).
    public init(folder: URL? = nil, threads: Int = 1, layout: Bool = true, tableGrids: Bool = true) throws {
        let folder = try folder ?? ModelLocation.folder(for: Self.modelID)
        detector = try ONNXSession(contentsOf: folder.appendingPathComponent("ch_PP-OCRv4_det_infer.onnx"))
        recognizer = try ONNXSession(contentsOf: folder.appendingPathComponent("ch_PP-OCRv4_rec_infer.onnx"))
        let classifierFile = folder.appendingPathComponent("ch_ppocr_mobile_v2.0_cls_infer.onnx")
        classifier = FileManager.default.fileExists(atPath: classifierFile.path) ? try ONNXSession(contentsOf: classifierFile) : nil
        guard let dictionary = recognizer.metadata["character"], !dictionary.isEmpty else {
            throw ZhikuError.invalidInput("the recognition model in \(folder.path) has no character dictionary in its metadata")
        }
        decoder = CTCDecoder(dictionary: dictionary)
        let layoutFolder = ModelLocation.root().appendingPathComponent(LayoutDetector.modelID)
        self.layout = layout && FileManager.default.fileExists(atPath: layoutFolder.path) ? try LayoutDetector(folder: layoutFolder) : nil
        let gridFolder = ModelLocation.root().appendingPathComponent(TableGridDetector.modelID)
        self.tableGrids = self.layout != nil && tableGrids && FileManager.default.fileExists(atPath: gridFolder.path)
            ? try TableGridDetector(folder: gridFolder) : nil
        self.threads = max(1, threads)
        Kernels.useSingleThreadedBLAS()
    }

    public func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
        try await ComputeThreads.shared.run { try self.read(image) }
    }

    /// One line of text found on the image.
    struct Line {
        /// Corners in the original image, clockwise from the top left.
        var quad: TextBoxDetector.Quad
        var text: String
        var confidence: Float
        /// Where each character sits along the line, 0…1 of its length (from the quad's left edge, or from its
        /// right edge for a line read turned half a turn).
        var positions: [(start: Float, end: Float)]
        /// Read turned half a turn (upside down in the image).
        var turned = false
    }

    /// Reads `image` on the calling thread.
    public func read(_ image: OCRImage) throws -> OCRText {
        let lines = try readLines(image)
        let regions = lines.count > 1 ? try layout?.regions(in: image, parts: threads) ?? [] : []
        // Ruled tables: their cells from the rules.
        var grids: [Int: TableGrid] = [:]
        if let tableGrids, regions.contains(where: { $0.kind == .table }) {
            let boxes = lines.map { line in
                TableGrid.Box(x0: line.quad.map(\.x).min()!, y0: line.quad.map(\.y).min()!, x1: line.quad.map(\.x).max()!, y1: line.quad.map(\.y).max()!)
            }
            for (index, region) in regions.enumerated() where region.kind == .table {
                grids[index] = try tableGrids.grid(in: image, x0: region.x0, y0: region.y0, x1: region.x1, y1: region.y1, text: boxes,
                                                   parts: threads)
            }
        }
        var text = OCRTextLayout.text(of: lines, engine: name, regions: regions, grids: grids, pageHeight: Float(image.height))
        text.width = image.width
        text.height = image.height
        return text
    }

    func readLines(_ original: OCRImage) throws -> [Line] {
        guard original.width > 0, original.height > 0 else { return [] }
        // RapidOCR's preprocessing: long side at most 2 000, short side at least 30 (both rounded to 32).
        var image = original
        var ratioX: Float = 1, ratioY: Float = 1
        if max(image.width, image.height) > maxSide {
            let ratio = Float(maxSide) / Float(max(image.width, image.height))
            image = try resizedToMultipleOf32(image, ratio)
            ratioX = Float(original.width) / Float(image.width)
            ratioY = Float(original.height) / Float(image.height)
        }
        if min(image.width, image.height) < minSide {
            let before = image
            image = try resizedToMultipleOf32(image, Float(minSide) / Float(min(image.width, image.height)))
            ratioX *= Float(before.width) / Float(image.width)
            ratioY *= Float(before.height) / Float(image.height)
        }
        // A short or very wide image (one line) gets black bands above and below.
        var top = 0
        if image.height <= minHeight || Float(image.width) / Float(image.height) > Float(maxWidthRatio) {
            let target = max(image.width / maxWidthRatio, minHeight) * 2
            top = abs(target - image.height) / 2
            image = image.paddedVertically(top: top, bottom: top)
        }
        let quads = try detect(image)
        guard !quads.isEmpty else { return [] }
        let crops: [OCRImage] = quads.map { quad in
            let width = Int(max(TextBoxDetector.distance(quad[0], quad[1]), TextBoxDetector.distance(quad[2], quad[3])))
            let height = Int(max(TextBoxDetector.distance(quad[0], quad[3]), TextBoxDetector.distance(quad[1], quad[2])))
            let crop = image.perspectiveCrop(quad, width: max(1, width), height: max(1, height))
            return Float(crop.height) / Float(crop.width) >= 1.5 ? crop.rotatedCounterClockwise() : crop
        }
        var decoded = try recognize(crops)
        // Low-confidence lines may be upside down: ask the direction model, and keep a turned reading only if better.
        var turnedLines = Set<Int>()
        if let classifier {
            let doubtful = decoded.indices.filter { decoded[$0].confidence < turnBelow }
            let candidates = try doubtful.filter { try isUpsideDown(crops[$0], classifier) }
            let turned = candidates.map { crops[$0].rotatedHalfTurn() }
            for (index, again) in zip(candidates, try recognize(turned)) where again.confidence > decoded[index].confidence {
                decoded[index] = again
                turnedLines.insert(index)
            }
        }
        var lines: [Line] = []
        for (index, (quad, found)) in zip(quads, decoded).enumerated() where found.confidence >= minimumScore && !found.text.isEmpty {
            let result = Self.restoringSpaces(found)
            let corners = quad.map { p in
                (x: min(max(p.x * ratioX, 0), Float(original.width)), y: min(max((p.y - Float(top)) * ratioY, 0), Float(original.height)))
            }
            let positions = result.decoded.steps.map { (start: result.along(Float($0.step)), end: result.along(Float($0.step + 1))) }
            lines.append(Line(quad: corners, text: result.text, confidence: result.confidence, positions: positions,
                              turned: turnedLines.contains(index)))
        }
        return lines
    }

    private func resizedToMultipleOf32(_ image: OCRImage, _ ratio: Float) throws -> OCRImage {
        let h = Int((Float(Int(Float(image.height) * ratio)) / 32).rounded(.toNearestOrEven)) * 32
        let w = Int((Float(Int(Float(image.width) * ratio)) / 32).rounded(.toNearestOrEven)) * 32
        guard h > 0, w > 0 else { throw ZhikuError.invalidInput("the \(image.width)×\(image.height) image is too small to read") }
        return image.resized(width: w, height: h)
    }

    /// Text boxes in `image`'s coordinates, top to bottom, left to right within a line.
    func detect(_ image: OCRImage) throws -> [TextBoxDetector.Quad] {
        var ratio: Float = 1
        if min(image.width, image.height) < detectionSide {
            ratio = Float(detectionSide) / Float(min(image.width, image.height))
        }
        let input = try resizedToMultipleOf32(image, ratio)
        var values = [Float](repeating: 0, count: 3 * input.width * input.height)
        input.normalize(into: &values, offset: 0, planeWidth: input.width, planeHeight: input.height)
        // The page's detection splits its convolutions between `threads` cores (recognition splits by batches).
        let output = try detector.run([detector.inputNames[0]: ONNXTensor(shape: [1, 3, input.height, input.width], floats: values)],
                                      parts: threads)
        guard let map = output.values.first, map.shape.count == 4 else { throw ZhikuError(.internal, "the detection model returned no map") }
        let boxes = boxFinder.boxes(probabilities: map.floats, mapWidth: map.shape[3], mapHeight: map.shape[2],
                                    imageWidth: image.width, imageHeight: image.height)
        return Self.readingSorted(boxes)
    }

    /// PP-OCR's box order: by the top-left corner's y then x, then neighbours less than 10 pixels apart in height
    /// swapped into left-to-right order.
    static func readingSorted(_ boxes: [TextBoxDetector.Quad]) -> [TextBoxDetector.Quad] {
        var sorted = boxes.sorted { $0[0].y != $1[0].y ? $0[0].y < $1[0].y : $0[0].x < $1[0].x }
        guard sorted.count > 1 else { return sorted }
        for i in 0..<(sorted.count - 1) {
            var j = i
            while j >= 0, abs(sorted[j + 1][0].y - sorted[j][0].y) < 10, sorted[j + 1][0].x < sorted[j][0].x {
                sorted.swapAt(j, j + 1)
                j -= 1
            }
        }
        return sorted
    }

    struct Recognized {
        var decoded: CTCDecoder.Decoded
        /// The line as the model saw it: 48 pixels high, before the batch's padding.
        var line: OCRImage
        /// The share of the model's input width the line's image filled (the rest is padding).
        var usedFraction: Float
        var text: String { decoded.text }
        var confidence: Float { decoded.confidence }

        /// Where the model's step `step` (0…T, fractional) falls along the line, 0…1: step t of T covers the
        /// padded input, of which the line fills `usedFraction`.
        func along(_ step: Float) -> Float {
            min(1, step / (Float(decoded.stepCount) * max(usedFraction, .leastNormalMagnitude)))
        }
    }

    /// Reads each crop (a line image), in batches of six of similar width, as RapidOCR does.
    func recognize(_ crops: [OCRImage]) throws -> [Recognized] {
        let ratios = crops.map { Float($0.width) / Float($0.height) }
        let order = crops.indices.sorted { ratios[$0] < ratios[$1] }
        let batches = stride(from: 0, to: order.count, by: batchSize).map { Array(order[$0..<min(order.count, $0 + batchSize)]) }
        var results = [Recognized?](repeating: nil, count: crops.count)
        var failure: (any Error)?
        let lock = NSLock()
        let work: (Int) -> Void = { b in
            do {
                let batch = batches[b]
                let maxRatio = max(Float(self.lineWidth) / Float(self.lineHeight), batch.map { ratios[$0] }.max() ?? 0)
                let width = Int(Float(self.lineHeight) * maxRatio)
                let plane = 3 * self.lineHeight * width
                var input = [Float](repeating: 0, count: batch.count * plane)
                var lines: [OCRImage] = []
                for (slot, index) in batch.enumerated() {
                    let wanted = Int((Float(self.lineHeight) * ratios[index]).rounded(.up))
                    let line = crops[index].resized(width: min(width, max(1, wanted)), height: self.lineHeight)
                    line.normalize(into: &input, offset: slot * plane, planeWidth: width, planeHeight: self.lineHeight)
                    lines.append(line)
                }
                let output = try self.recognizer.run([self.recognizer.inputNames[0]:
                    ONNXTensor(shape: [batch.count, 3, self.lineHeight, width], floats: input)])
                guard let probabilities = output.values.first, probabilities.shape.count == 3 else {
                    throw ZhikuError(.internal, "the recognition model returned no probabilities")
                }
                let steps = probabilities.shape[1], classes = probabilities.shape[2]
                let values = probabilities.floats
                values.withUnsafeBufferPointer { p in
                    let decoded = batch.indices.map { slot in
                        Recognized(decoded: self.decoder.decode(p, offset: slot * steps * classes, steps: steps, classes: classes),
                                   line: lines[slot], usedFraction: Float(lines[slot].width) / Float(width))
                    }
                    lock.withLock { for (slot, index) in batch.enumerated() { results[index] = decoded[slot] } }
                }
            } catch {
                lock.withLock { failure = error }
            }
        }
        if threads > 1 && batches.count > 1 {
            ComputeThreads.concurrentPerform(iterations: batches.count, execute: work)
        } else {
            for b in batches.indices { work(b) }
        }
        if let failure { throw failure }
        return results.map { $0! }
    }

    /// The reading with spaces put back between Latin letters or digits that the model ran together (it drops
    /// them at 150–200 dpi): where the line image, at the model's 48-pixel height, has a blank gap between two
    /// characters' positions of at least a sixth of its height and twice the line's usual gap between letters
    /// (letters of one word stand 2–4 pixels apart there, a word space 8 or more; monospaced code has wider gaps
    /// around narrow letters, hence the line's own measure). On the development pages' office scans and phone
    /// photos this took English word error from 0.63 to 0.12 (character error unchanged).
    static func restoringSpaces(_ reading: Recognized) -> Recognized {
        let scalars = Array(reading.decoded.text.unicodeScalars)
        let steps = reading.decoded.steps
        let line = reading.line, width = line.width, lineHeight = line.height
        guard scalars.count == steps.count, scalars.count > 1, reading.usedFraction > 0, width > 0 else { return reading }
        func latin(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) }
        guard (1..<scalars.count).contains(where: { latin(scalars[$0 - 1]) && latin(scalars[$0]) }) else { return reading }
        // Ink per column of the line.
        let darkest = line.pixels.min() ?? 0, lightest = line.pixels.max() ?? 255
        guard lightest > darkest &+ 40 else { return reading }
        let threshold = Int(darkest) + (Int(lightest) - Int(darkest)) / 2
        var inked = [Bool](repeating: false, count: width)
        for x in 0..<width {
            for y in 0..<lineHeight where Int(line.pixels[y * width + x]) < threshold { inked[x] = true; break }
        }
        func column(_ step: Int) -> Int { min(width - 1, max(0, Int(reading.along(Float(step) + 0.5) * Float(width)))) }
        func blank(_ a: Int, _ b: Int) -> Int {
            var run = 0, longest = 0
            for x in column(steps[a].step)...max(column(steps[a].step), column(steps[b].step)) {
                run = inked[x] ? 0 : run + 1
                longest = max(longest, run)
            }
            return longest
        }
        func joinable(_ i: Int) -> Bool {
            i > 0 && (latin(scalars[i - 1]) || [",", ".", ";"].contains(scalars[i - 1])) && latin(scalars[i])
        }
        // The blank before each character that could start a new word, measured once.
        var blanks = [Int?](repeating: nil, count: scalars.count)
        for i in 1..<scalars.count where joinable(i) { blanks[i] = blank(i - 1, i) }
        let gaps = (1..<scalars.count).filter { latin(scalars[$0 - 1]) && latin(scalars[$0]) }.compactMap { blanks[$0] }.sorted()
        let usual = gaps.count >= 3 ? gaps[gaps.count / 2] : 0
        let minimumGap = max(3, lineHeight / 6, Int((Float(usual) * 2).rounded(.up)))
        var text = String.UnicodeScalarView(), kept: [(step: Int, probability: Float)] = []
        for i in 0..<scalars.count {
            if let gap = blanks[i], gap >= minimumGap {
                text.append(" ")
                kept.append(steps[i - 1])
            }
            text.append(scalars[i])
            kept.append(steps[i])
        }
        var result = reading
        result.decoded.text = String(text)
        result.decoded.steps = kept
        return result
    }

    /// Whether the direction model thinks `crop` is more likely upside down than not (the turned reading is kept
    /// only if it is also read with more confidence).
    func isUpsideDown(_ crop: OCRImage, _ classifier: ONNXSession) throws -> Bool {
        let height = 48, width = 192
        let ratio = Float(crop.width) / Float(crop.height)
        let resizedWidth = min(width, max(1, Int((Float(height) * ratio).rounded(.up))))
        var input = [Float](repeating: 0, count: 3 * height * width)
        crop.resized(width: resizedWidth, height: height).normalize(into: &input, offset: 0, planeWidth: width, planeHeight: height)
        let output = try classifier.run([classifier.inputNames[0]: ONNXTensor(shape: [1, 3, height, width], floats: input)])
        guard let scores = output.values.first?.floats, scores.count == 2 else { return false }
        return scores[1] > scores[0]
    }
}
