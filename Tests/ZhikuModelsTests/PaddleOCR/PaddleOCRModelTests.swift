import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// The PP-OCRv4 models run by Zhiku's ONNX interpreter against onnxruntime's outputs on crops of a real page
/// (Fixtures/pp-ocrv4-reference.json, written by Fixtures/onnx-reference.py): the whole detection map, the
/// recognition's best classes and their probabilities at every step, the direction model's scores.
@Suite(.serialized) struct PaddleOCRModelTests {
    struct Reference: Decodable {
        struct Image: Decodable {
            var pixels: String
            var height: Int
            var width: Int
            var output: ONNXSessionTests.StoredTensor?
            var steps: Int?
            var top: [[Int]]?
            var probabilities: [[Float]]?
        }
        var det: Image
        var rec: Image
        var cls: ClsImage
        struct ClsImage: Decodable {
            var pixels: String
            var height: Int
            var width: Int
            var output: [[Float]]
        }
    }

    static func folder() throws -> URL {
        let folder = ModelLocation.root().appendingPathComponent(PaddleOCR.modelID)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            try Skip.now("model \(PaddleOCR.modelID) not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return folder
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pp-ocrv4-reference.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static func input(_ base64: String, width: Int, height: Int) -> ONNXTensor {
        let image = OCRImage(width: width, height: height, pixels: [UInt8](Data(base64Encoded: base64)!))
        var values = [Float](repeating: 0, count: 3 * width * height)
        image.normalize(into: &values, offset: 0, planeWidth: width, planeHeight: height)
        return ONNXTensor(shape: [1, 3, height, width], floats: values)
    }

    @Test func detectionMapMatchesOnnxruntime() throws {
        let session = try ONNXSession(contentsOf: Self.folder().appendingPathComponent("ch_PP-OCRv4_det_infer.onnx"))
        let det = Self.reference.det
        let output = try #require(try session.run(["x": Self.input(det.pixels, width: det.width, height: det.height)]).values.first)
        let expected = try #require(det.output).tensor
        #expect(output.shape == expected.shape)
        let error = zip(output.floats, expected.floats).map { abs($0 - $1) }.max() ?? 1
        // Measured: 1.9e-5 (recognition 4.3e-5, direction 2.6e-6); 1e-3 leaves room for summation order.
        #expect(error < 1e-3, "largest difference \(error)")
        #expect(expected.floats.contains { $0 > 0.5 }, "the reference crop holds text")
        // Convolutions split between two cores (a page read alone) give the same map.
        let split = try #require(try session.run(["x": Self.input(det.pixels, width: det.width, height: det.height)], parts: 2).values.first)
        let splitError = zip(split.floats, expected.floats).map { abs($0 - $1) }.max() ?? 1
        #expect(splitError < 1e-3, "largest difference with two parts \(splitError)")
        // Paddle's hard swish (Add, Clip, Mul, Div) and the affine blocks around activations became part of the
        // convolutions; the map above is still onnxruntime's.
        #expect(!session.steps.contains { $0.node.opType == "Clip" })
        #expect(session.steps.filter { $0.node.string("activation") == "HardSwish" }.count == 24)
    }

    @Test func recognitionMatchesOnnxruntime() throws {
        let session = try ONNXSession(contentsOf: Self.folder().appendingPathComponent("ch_PP-OCRv4_rec_infer.onnx"))
        let rec = Self.reference.rec
        let output = try #require(try session.run(["x": Self.input(rec.pixels, width: rec.width, height: rec.height)]).values.first)
        let classes = output.shape[2]
        #expect(output.shape == [1, rec.steps ?? 0, 6625])
        let probabilities = output.floats
        var largest: Float = 0
        for (t, (top, expected)) in zip(try #require(rec.top), try #require(rec.probabilities)).enumerated() {
            let row = Array(probabilities[(t * classes)..<((t + 1) * classes)])
            let best = row.indices.max { row[$0] < row[$1] }!
            #expect(best == top[0], "step \(t): best class \(best), onnxruntime's \(top[0])")
            for (index, p) in zip(top, expected) { largest = max(largest, abs(row[index] - p)) }
        }
        #expect(largest < 1e-3, "largest difference \(largest)")
    }

    @Test func directionModelMatchesOnnxruntime() throws {
        let session = try ONNXSession(contentsOf: Self.folder().appendingPathComponent("ch_ppocr_mobile_v2.0_cls_infer.onnx"))
        let cls = Self.reference.cls
        let output = try #require(try session.run(["x": Self.input(cls.pixels, width: cls.width, height: cls.height)]).values.first)
        let error = zip(output.floats, cls.output[0]).map { abs($0 - $1) }.max() ?? 1
        #expect(error < 1e-4, "largest difference \(error)")
    }
}
