import Foundation
import ZhikuCore

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the raw little-endian data. The file is memory-mapped.
public struct SafeTensorsFile: Sendable {
    public struct Entry: Sendable, Decodable {
        public var dtype: String
        public var shape: [Int]
        public var data_offsets: [Int]
    }

    public let url: URL
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    public init(url: URL) throws {
        self.url = url
        data = try ModelFileReader.map(url)
        guard data.count >= 8 else { throw Self.corrupt(url, "shorter than its header") }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard headerLength > 0, 8 + headerLength <= data.count else { throw Self.corrupt(url, "header length out of range") }
        let header = data.subdata(in: 8..<(8 + headerLength))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw Self.corrupt(url, "the header is not JSON")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let raw = try? JSONSerialization.data(withJSONObject: value),
                  let entry = try? JSONDecoder().decode(Entry.self, from: raw), entry.data_offsets.count == 2 else {
                throw Self.corrupt(url, "bad entry for \(name)")
            }
            entries[name] = entry
        }
        self.entries = entries
        dataStart = 8 + headerLength
    }

    /// The float32 values of `name`, checked against `shape`.
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let range = try float32Range(name, shape: shape)
        return data.littleEndianFloats(at: range.lowerBound, count: shape.reduce(1, *))
    }

    /// The bytes of float32 tensor `name`, checked against `shape`, without copying: a slice of the mapped file
    /// (its pages are read from disk only when touched, e.g. the rows of a large token-embedding table). Read it
    /// through `withUnsafeBytes`: the slice keeps the file's indices.
    public func mappedFloats(_ name: String, shape: [Int]) throws -> Data {
        let range = try float32Range(name, shape: shape)
        return data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)]
    }

    private func float32Range(_ name: String, shape: [Int]) throws -> Range<Int> {
        guard let entry = entries[name] else { throw Self.corrupt(url, "missing tensor \(name)") }
        guard entry.dtype == "F32" else { throw Self.corrupt(url, "\(name) is \(entry.dtype), expected F32") }
        guard entry.shape == shape else {
            throw Self.corrupt(url, "\(name) has shape \(entry.shape), expected \(shape)")
        }
        let start = dataStart + entry.data_offsets[0], end = dataStart + entry.data_offsets[1]
        let count = shape.reduce(1, *)
        guard start <= end, end <= data.count, end - start == count * 4 else {
            throw Self.corrupt(url, "\(name) lies outside the file")
        }
        return start..<end
    }

    private static func corrupt(_ url: URL, _ why: String) -> ZhikuError {
        ZhikuError(.invalidInput, "model weights \(url.lastPathComponent) are unusable: \(why)")
    }
}
