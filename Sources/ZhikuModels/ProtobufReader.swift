import Foundation
import ZhikuCore

/// Reads the fields of one Protocol Buffers message in wire format, in order (enough for the model files that use
/// it, such as SentencePiece's `tokenizer.model`): varints, 32- and 64-bit fixed values, and length-delimited
/// bytes (strings and nested messages, read with a reader of their own). Every read is bounds-checked; errors name
/// the file and the byte offset.
struct ProtobufReader {
    /// One field's value as the wire format carries it.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// The byte range of a string, bytes or nested message within the reader's buffer.
        case bytes(Range<Int>)
    }

    let bytes: [UInt8]
    let name: String
    private(set) var position: Int
    private let end: Int

    init(_ bytes: [UInt8], name: String) {
        self.init(bytes, name: name, range: 0..<bytes.count)
    }

    private init(_ bytes: [UInt8], name: String, range: Range<Int>) {
        self.bytes = bytes
        self.name = name
        position = range.lowerBound
        end = range.upperBound
    }

    /// A reader of the nested message at `range` (from a ``Value/bytes(_:)`` value of this reader).
    func message(_ range: Range<Int>) -> ProtobufReader {
        ProtobufReader(bytes, name: name, range: range)
    }

    /// The next field (number and value), or nil at the end of the message.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard position < end else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0:
            return (field, .varint(try varint()))
        case 1:
            return (field, .fixed64(UInt64(try littleEndian(8))))
        case 2:
            let length = Int(try varint())
            guard length >= 0, position + length <= end else { throw corrupt("a field runs past its message at byte \(position)") }
            defer { position += length }
            return (field, .bytes(position..<(position + length)))
        case 5:
            return (field, .fixed32(UInt32(try littleEndian(4))))
        default:
            throw corrupt("wire type \(key & 7) of field \(field) at byte \(position) is not supported")
        }
    }

    /// Whether every field of the message has been read.
    var isAtEnd: Bool { position >= end }

    /// Reads one varint (the elements of a packed repeated field).
    mutating func readVarint() throws -> UInt64 { try varint() }

    /// The UTF-8 bytes at `range`.
    func slice(_ range: Range<Int>) -> [UInt8] { Array(bytes[range]) }

    private mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end, shift < 64 else { throw corrupt("a varint runs past its message at byte \(position)") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        guard position + count <= end else { throw corrupt("a fixed-size field runs past its message at byte \(position)") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    private func corrupt(_ why: String) -> ZhikuError { ModelFileReader.corrupt(name, why) }
}
