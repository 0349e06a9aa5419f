import Foundation
import ZhikuCore

/// A GGUF (version 2 or 3) model file, memory-mapped: the metadata key–value pairs, the tensor directory, and
/// tensors dequantised to float32 on request (F32, F16, Q4_0, Q4_1, Q8_0, Q4_K, Q6_K).
///
/// Layout: magic `GGUF`, version, tensor count, metadata count; the metadata (key string, value type, value);
/// the tensor infos (name, dimensions fastest-varying first, ggml type, offset); then, at the next multiple of
/// `general.alignment` (default 32), the tensor data, each tensor at its offset from there.
public struct GGUFFile: Sendable {
    /// A metadata value.
    public indirect enum Value: Sendable, Equatable {
        case int(Int64)
        case uint(UInt64)
        case float(Double)
        case bool(Bool)
        case string(String)
        case array([Value])

        public var int: Int? {
            switch self {
            case .int(let v): return Int(v)
            case .uint(let v): return Int(v)
            default: return nil
            }
        }
        public var double: Double? {
            switch self {
            case .float(let v): return v
            case .int(let v): return Double(v)
            case .uint(let v): return Double(v)
            default: return nil
            }
        }
        public var string: String? { if case .string(let s) = self { s } else { nil } }
        public var array: [Value]? { if case .array(let a) = self { a } else { nil } }
    }

    /// ggml tensor types this reader dequantises.
    public enum TensorType: UInt32, Sendable {
        case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q8_0 = 8, q4_K = 12, q6_K = 14

        /// Values and bytes per block (``QuantBlock``; a float is a block of one).
        var block: QuantBlock {
            switch self {
            case .f32: QuantBlock(values: 1, bytes: 4)
            case .f16: QuantBlock(values: 1, bytes: 2)
            case .q4_0: .q4_0
            case .q4_1: .q4_1
            case .q5_0: .q5_0
            case .q8_0: .q8_0
            case .q4_K: .q4_K
            case .q6_K: .q6_K
            }
        }

        /// How ``WeightMatrix`` keeps this type; nil for the float types.
        var encoding: WeightMatrix.Encoding? {
            switch self {
            case .f32, .f16: nil
            case .q8_0: .q8_0
            case .q4_0: .q4_0
            case .q4_1: .q4_1
            case .q5_0: .q5_0
            case .q4_K: .q4_K
            case .q6_K: .q6_K
            }
        }
    }

    public struct TensorInfo: Sendable {
        public var name: String
        /// Dimensions, fastest-varying first (a PyTorch [out, in] weight is [in, out] here).
        public var dimensions: [Int]
        public var rawType: UInt32
        public var offset: Int
        public var count: Int { dimensions.reduce(1, *) }
    }

    public let url: URL
    public let version: Int
    public let metadata: [String: Value]
    public let tensors: [String: TensorInfo]
    private let data: Data
    private let dataStart: Int

    public init(url: URL) throws {
        self.url = url
        data = try ModelFileReader.map(url)
        var reader = ModelFileReader(data: data, name: url.lastPathComponent)
        guard try reader.u32() == 0x4655_4747 else { throw reader.corrupt("not a GGUF file (bad magic)") }
        version = Int(try reader.u32())
        guard version == 2 || version == 3 else { throw reader.corrupt("GGUF version \(version) is not supported (2 or 3)") }
        let tensorCount = try reader.count(), metadataCount = try reader.count()
        var metadata: [String: Value] = [:]
        for _ in 0..<metadataCount {
            let key = try reader.string()
            metadata[key] = try reader.value(type: try reader.u32())
        }
        var tensors: [String: TensorInfo] = [:]
        for _ in 0..<tensorCount {
            let name = try reader.string()
            let rank = Int(try reader.u32())
            guard rank <= 4 else { throw reader.corrupt("tensor \(name) has \(rank) dimensions") }
            let dimensions = try (0..<rank).map { _ in try reader.count() }
            let type = try reader.u32()
            let offset = try reader.count()
            tensors[name] = TensorInfo(name: name, dimensions: dimensions, rawType: type, offset: offset)
        }
        let alignment = max(1, metadata["general.alignment"]?.int ?? 32)
        dataStart = (reader.offset + alignment - 1) / alignment * alignment
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The tensor's values as float32, in GGUF order (fastest dimension first), checked against `dimensions`
    /// when given. Quantized blocks are decoded by ``WeightMatrix`` (the tensor read as one long row).
    public func floats(_ name: String, dimensions expected: [Int]? = nil) throws -> [Float] {
        let (info, type, bytes) = try location(name)
        if let expected, expected != info.dimensions {
            throw corrupt("tensor \(name) has dimensions \(info.dimensions), expected \(expected)")
        }
        return data.withUnsafeBytes { raw in
            let blocks = UnsafeRawBufferPointer(rebasing: raw[bytes])
            if let encoding = type.encoding {
                return WeightMatrix(encoding: encoding, blocks: blocks, inFeatures: info.count, outFeatures: 1).dequantized()
            }
            var out = [Float](repeating: 0, count: info.count)
            out.withUnsafeMutableBufferPointer { o in Self.widen(type, blocks, count: info.count, into: o.baseAddress!) }
            return out
        }
    }

    /// A weight matrix `[out × in]` (GGUF dimensions `[in, out]`) kept in its file encoding where Zhiku has kernels
    /// for it (Q8_0, Q5_0, Q4_0, Q4_1, and Q4_K/Q6_K when rows are whole super-blocks); F32 and F16 as float32.
    public func matrix(_ name: String, inFeatures: Int, outFeatures: Int) throws -> WeightMatrix {
        let (info, type, bytes) = try location(name)
        guard info.dimensions == [inFeatures, outFeatures] else {
            throw corrupt("tensor \(name) has dimensions \(info.dimensions), expected \([inFeatures, outFeatures])")
        }
        guard let encoding = type.encoding, inFeatures % type.block.values == 0 else {
            return WeightMatrix(floats: try floats(name), inFeatures: inFeatures, outFeatures: outFeatures)
        }
        return data.withUnsafeBytes { raw in
            WeightMatrix(encoding: encoding, blocks: UnsafeRawBufferPointer(rebasing: raw[bytes]),
                         inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }

    /// A tensor's info, type and the byte range of its data, checked to lie within the file.
    private func location(_ name: String) throws -> (TensorInfo, TensorType, Range<Int>) {
        guard let info = tensors[name] else { throw corrupt("missing tensor \(name)") }
        guard let type = TensorType(rawValue: info.rawType) else {
            throw ZhikuError(.invalidInput, "\(url.lastPathComponent): tensor \(name) uses ggml type \(info.rawType), "
                             + "which Zhiku cannot read yet (F32, F16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K)")
        }
        let (perBlock, blockBytes) = (type.block.values, type.block.bytes)
        guard info.count % perBlock == 0 else { throw corrupt("tensor \(name) is not a whole number of blocks") }
        let start = dataStart + info.offset, length = info.count / perBlock * blockBytes
        guard start >= dataStart, start + length <= data.count else { throw corrupt("tensor \(name) lies outside the file") }
        return (info, type, start..<(start + length))
    }

    /// F32 and F16 values as float32.
    static func widen(_ type: TensorType, _ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            if type == .f16 {
                out[i] = Float(Float16(bitPattern: UInt16(bytes[i * 2]) | UInt16(bytes[i * 2 + 1]) << 8))
            } else {
                out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    func corrupt(_ why: String) -> ZhikuError {
        ModelFileReader.corrupt(url.lastPathComponent, why)
    }
}

/// GGUF's own encodings on top of the shared reader: u64 sizes, length-prefixed strings, typed metadata values.
extension ModelFileReader {
    /// A u64 count or offset, refused when it could not fit the file.
    mutating func count() throws -> Int {
        let v = try load(UInt64.self)
        guard v < UInt64(Int32.max) * 64 else { throw corrupt("implausible size \(v) at byte \(offset - 8)") }
        return Int(v)
    }

    mutating func string() throws -> String {
        let n = try count()
        return String(decoding: try bytes(n), as: UTF8.self)
    }

    mutating func value(type: UInt32) throws -> GGUFFile.Value {
        switch type {
        case 0: return .uint(UInt64(try load(UInt8.self)))
        case 1: return .int(Int64(try load(Int8.self)))
        case 2: return .uint(UInt64(try load(UInt16.self)))
        case 3: return .int(Int64(try load(Int16.self)))
        case 4: return .uint(UInt64(try load(UInt32.self)))
        case 5: return .int(Int64(try load(Int32.self)))
        case 6: return .float(Double(Float(bitPattern: try load(UInt32.self))))
        case 7: return .bool(try load(UInt8.self) != 0)
        case 8: return .string(try string())
        case 9:
            let elementType = try u32()
            let n = try count()
            var values: [GGUFFile.Value] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(try value(type: elementType)) }
            return .array(values)
        case 10: return .uint(try load(UInt64.self))
        case 11: return .int(try load(Int64.self))
        case 12: return .float(Double(bitPattern: try load(UInt64.self)))
        default: throw corrupt("unknown metadata value type \(type) at byte \(offset - 4)")
        }
    }
}
