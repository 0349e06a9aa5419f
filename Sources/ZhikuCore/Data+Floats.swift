import Foundation

extension Data {
    /// `floats` as little-endian float32 bytes, what ``littleEndianFloats(at:count:)`` reads back.
    public init(littleEndianFloats floats: [Float]) {
        self.init(capacity: floats.count * 4)
        for v in floats { Swift.withUnsafeBytes(of: v.bitPattern.littleEndian) { append(contentsOf: $0) } }
    }

    /// `count` little-endian float32 values starting `offset` bytes into the data (model files, stored vectors).
    /// The caller checks that they lie inside it.
    public func littleEndianFloats(at offset: Int, count: Int) -> [Float] {
        withUnsafeBytes { raw in
            (0..<count).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: UInt32.self)))
            }
        }
    }
}
