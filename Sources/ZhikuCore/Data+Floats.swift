import Foundation

extension Data {
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
