import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite struct CTranslate2ModelFileTests {
    /// A version-6 model file with a float16 matrix, a float32 vector, an int16 scalar and one alias.
    static func file(truncatedBy cut: Int = 0, version: UInt32 = 6) -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ v: UInt16) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u32(_ v: UInt32) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func name(_ s: String) { u16(UInt16(s.utf8.count + 1)); bytes += Array(s.utf8) + [0] }
        u32(version)
        name("TestSpec")
        u32(1)
        u32(3)
        name("layer/weight"); bytes.append(2); u32(2); u32(2); bytes.append(4); u32(8)
        for value: Float16 in [1, -2, 0.5, 1024] { u16(value.bitPattern) }
        name("layer/bias"); bytes.append(1); u32(2); bytes.append(0); u32(8)
        for value: Float in [0.25, -7] { u32(value.bitPattern) }
        name("num_heads"); bytes.append(0); bytes.append(2); u32(2); u16(8)
        u32(1)
        name("tied/weight"); name("layer/weight")
        return Array(bytes.dropLast(cut))
    }

    @Test func readsVariablesScalarsAndAliases() throws {
        let folder = TemporaryFolder()
        let model = try CTranslate2ModelFile(url: folder.write("model.bin", Self.file()))
        #expect(model.specName == "TestSpec")
        #expect(try model.floats("layer/weight", shape: [2, 2]) == [1, -2, 0.5, 1024])
        #expect(try model.floats("layer/bias") == [0.25, -7])
        #expect(try model.integer("num_heads") == 8)
        #expect(try model.floats("tied/weight") == [1, -2, 0.5, 1024])
        #expect(throws: ZhikuError.self) { try model.floats("layer/weight", shape: [4]) }
        #expect(throws: ZhikuError.self) { try model.floats("missing") }
    }

    @Test func damagedFilesAreRefusedWithTheReason() throws {
        let folder = TemporaryFolder()
        #expect(throws: ZhikuError.self) { try CTranslate2ModelFile(url: folder.write("short.bin", Self.file(truncatedBy: 30))) }
        do {
            _ = try CTranslate2ModelFile(url: folder.write("v5.bin", Self.file(version: 5)))
            Issue.record("version 5 was accepted")
        } catch let error as ZhikuError {
            #expect(error.message.contains("version 5"))
        }
    }
}
