import Foundation
import ZhikuCore

/// Sequential little-endian reads over a model file's bytes, each bounds-checked; errors name the file and the
/// byte where it ran out. The E5S1 and GGUF readers share it.
struct ModelFileReader {
    let data: Data
    let name: String
    var offset = 0

    func corrupt(_ why: String) -> ZhikuError { Self.corrupt(name, why) }

    /// The file's bytes, memory-mapped (weights are paged in as they are read, not copied).
    static func map(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ZhikuError.notFound("cannot read model file \(url.path): \(error.localizedDescription)")
        }
    }

    /// The error for a model file that cannot be used, and why.
    static func corrupt(_ fileName: String, _ why: String) -> ZhikuError {
        ZhikuError(.invalidInput, "model file \(fileName) is unusable: \(why)")
    }

    mutating func bytes(_ n: Int) throws -> Data {
        guard n >= 0, offset + n <= data.count else { throw corrupt("truncated at byte \(offset)") }
        defer { offset += n }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + n))
    }

    mutating func skip(_ n: Int) throws { _ = try bytes(n) }

    mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= data.count else { throw corrupt("truncated at byte \(offset)") }
        defer { offset += size }
        return data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    mutating func u8() throws -> UInt8 { try load(UInt8.self) }
    mutating func u16() throws -> UInt16 { try load(UInt16.self) }
    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }
    mutating func i32() throws -> Int32 { try load(Int32.self) }
    mutating func int() throws -> Int { Int(try load(Int32.self)) }
    mutating func float() throws -> Float { Float(bitPattern: try u32()) }
}
