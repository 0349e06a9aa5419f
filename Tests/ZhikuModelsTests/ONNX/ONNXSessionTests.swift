import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// Every operator of the interpreter against onnxruntime 1.32's outputs on the same tiny models and inputs
/// (Fixtures/onnx-operators.json, written by Fixtures/onnx-reference.py), and the hostile files it must refuse.
@Suite struct ONNXSessionTests {
    struct StoredTensor: Decodable {
        var shape: [Int]
        var floats: String?
        var ints: [Int]?

        var tensor: ONNXTensor {
            if let ints { return ONNXTensor(shape: shape, ints: ints) }
            let data = Data(base64Encoded: floats ?? "") ?? Data()
            let values = data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
            return ONNXTensor(shape: shape, floats: values)
        }
    }

    struct Case: Decodable {
        var name: String
        var model: String
        var inputs: [String: StoredTensor]
        var outputs: [String: StoredTensor]
    }

    struct Fixture: Decodable {
        var cases: [Case]
        var hostile: [String: String]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx-operators.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static func session(_ base64: String, name: String) throws -> ONNXSession {
        try ONNXSession(ONNXModelFile(bytes: [UInt8](Data(base64Encoded: base64)!), name: name), name: name)
    }

    @Test(arguments: fixture.cases.map(\.name))
    func operatorMatchesOnnxruntime(_ name: String) throws {
        let testCase = try #require(Self.fixture.cases.first { $0.name == name })
        let session = try Self.session(testCase.model, name: name)
        let outputs = try session.run(testCase.inputs.mapValues(\.tensor))
        for (key, stored) in testCase.outputs {
            let expected = stored.tensor
            let actual = try #require(outputs[key], "no output \(key)")
            #expect(actual.shape == expected.shape, "\(name): shape")
            if stored.ints != nil {
                #expect(actual.ints == expected.ints, "\(name)")
            } else {
                let error = zip(actual.floats, expected.floats).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(actual.floats.count == expected.floats.count)
                #expect(error < 1e-4, "\(name): largest relative error \(error)")
            }
        }
    }

    @Test func convolutionFollowedByBatchNormIsFolded() throws {
        let testCase = try #require(Self.fixture.cases.first { $0.name == "Conv + BatchNormalization folded" })
        let session = try Self.session(testCase.model, name: "conv-bn")
        // The batch normalisation folded into the weights, the activation fused into the convolution's pass.
        #expect(session.steps.map(\.node.opType) == ["Conv"])
        #expect(session.steps.first?.node.string("activation") == "HardSigmoid")
    }

    @Test func hostileFilesAreRefusedWithTheReason() throws {
        let hostile = Self.fixture.hostile
        #expect(throws: ZhikuError.self) { try Self.session(hostile["truncated"]!, name: "truncated.onnx") }
        do {
            _ = try Self.session(hostile["huge dims"]!, name: "huge.onnx")
            Issue.record("a tensor of 2^40 elements was accepted")
        } catch let error as ZhikuError {
            #expect(error.message.contains("more than"), "\(error.message)")
        }
        do {
            _ = try Self.session(hostile["too few values"]!, name: "short.onnx")
            Issue.record("a tensor with fewer values than its shape was accepted")
        } catch let error as ZhikuError {
            #expect(error.message.contains("holds 2 values"), "\(error.message)")
        }
        do {
            _ = try Self.session(hostile["unknown operator"]!, name: "einsum.onnx")
            Issue.record("an unknown operator was accepted")
        } catch let error as ZhikuError {
            #expect(error.message.contains("Einsum"), "\(error.message)")
        }
        #expect(throws: ZhikuError.self) { try ONNXModelFile(bytes: [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], name: "garbage.onnx") }
    }

    @Test func aRunTimeShapeMismatchNamesTheNode() throws {
        let testCase = try #require(Self.fixture.cases.first { $0.name == "Add same shape" })
        let session = try Self.session(testCase.model, name: "add.onnx")
        do {
            _ = try session.run(["a": ONNXTensor(shape: [2, 3], floats: [Float](repeating: 1, count: 6)),
                                 "b": ONNXTensor(shape: [4], floats: [Float](repeating: 1, count: 4))])
            Issue.record("shapes that do not broadcast were accepted")
        } catch let error as ZhikuError {
            #expect(error.message.contains("add.onnx") && error.message.contains("Add"), "\(error.message)")
        }
    }
}
