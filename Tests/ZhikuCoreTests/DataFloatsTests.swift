import Foundation
import Testing
import ZhikuCore

@Suite struct DataFloatsTests {
    @Test func floatsAreWrittenLittleEndianAndReadBackBitForBit() {
        let floats: [Float] = [1, -2.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -0.0, 0.1]
        let data = Data(littleEndianFloats: floats)
        #expect(data.count == floats.count * 4)
        #expect(Array(data.prefix(8)) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0], "1.0 and -2.5 in IEEE 754, low byte first")
        let back = data.littleEndianFloats(at: 0, count: floats.count)
        #expect(back.map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(data.littleEndianFloats(at: 4, count: 1) == [-2.5])
    }
}
