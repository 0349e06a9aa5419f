import Foundation
import ZhikuCore

/// A CTranslate2 `model.bin` (binary version 6): a little-endian header — version (u32), the model spec's name
/// (u16 length + bytes), its revision (u32), the number of variables (u32) — then each variable as its name
/// (u16 length + NUL-terminated bytes), rank (u8), dimensions (u32 each), data type (u8), byte count (u32) and the
/// raw values; last, a count (u32) of aliases, each a pair of names (the alias, the variable it stands for).
/// The file is memory-mapped; values are converted to float32 when asked for.
public struct CTranslate2ModelFile: Sendable {
    /// CTranslate2's `DataType` codes.
    public enum DataType: UInt8, Sendable {
        case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5
        var size: Int {
            switch self {
            case .float32, .int32: 4
            case .int16, .float16, .bfloat16: 2
            case .int8: 1
            }
        }
    }

    public struct Variable: Sendable {
        public let shape: [Int]
        public let type: DataType
        let offset: Int
        var count: Int { shape.reduce(1, *) }
    }

    public let url: URL
    /// The model spec the file was written from, e.g. `WhisperSpec`.
    public let specName: String
    public let specRevision: Int
    public let variables: [String: Variable]
    private let data: Data

    public init(url: URL) throws {
        self.url = url
        data = try ModelFileReader.map(url)
        var reader = ModelFileReader(data: data, name: url.lastPathComponent)
        let version = try reader.u32()
        guard version == 6 else { throw reader.corrupt("CTranslate2 binary version \(version); this reader knows 6") }
        func string() throws -> String {
            let length = Int(try reader.u16())
            var bytes = try reader.bytes(length)
            if bytes.last == 0 { bytes.removeLast() }
            guard let text = String(data: bytes, encoding: .utf8) else { throw reader.corrupt("a name is not UTF-8") }
            return text
        }
        specName = try string()
        specRevision = Int(try reader.u32())
        let count = Int(try reader.u32())
        var variables: [String: Variable] = [:]
        for _ in 0..<count {
            let name = try string()
            let rank = Int(try reader.u8())
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try reader.u32())) }
            let code = try reader.u8()
            guard let type = DataType(rawValue: code) else { throw reader.corrupt("\(name) has unknown data type \(code)") }
            let bytes = Int(try reader.u32())
            guard bytes == shape.reduce(1, *) * type.size else {
                throw reader.corrupt("\(name) holds \(bytes) bytes, not \(shape) × \(type.size)")
            }
            variables[name] = Variable(shape: shape, type: type, offset: reader.offset)
            try reader.skip(bytes)
        }
        if reader.offset < data.count {
            let aliases = Int(try reader.u32())
            for _ in 0..<aliases {
                let alias = try string(), target = try string()
                guard let variable = variables[target] else { throw reader.corrupt("alias \(alias) names missing \(target)") }
                variables[alias] = variable
            }
        }
        self.variables = variables
    }

    /// The values of `name` as float32 (converted from float16 or bfloat16), checked against `shape` when given.
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let variable = try self.variable(name)
        if let shape, variable.shape != shape {
            throw ModelFileReader.corrupt(url.lastPathComponent, "\(name) has shape \(variable.shape), expected \(shape)")
        }
        let count = variable.count, offset = variable.offset
        switch variable.type {
        case .float32:
            return data.littleEndianFloats(at: offset, count: count)
        case .float16:
            return data.withUnsafeBytes { raw in
                (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 2, as: UInt16.self)))) }
            }
        case .bfloat16:
            return data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 2, as: UInt16.self))) << 16) }
            }
        default:
            throw ModelFileReader.corrupt(url.lastPathComponent, "\(name) is \(variable.type), not floating point")
        }
    }

    /// A scalar integer setting such as `encoder/num_heads`.
    public func integer(_ name: String) throws -> Int {
        let variable = try self.variable(name)
        guard variable.count == 1 else { throw ModelFileReader.corrupt(url.lastPathComponent, "\(name) is not a scalar") }
        return data.withUnsafeBytes { raw in
            switch variable.type {
            case .int8: Int(raw.load(fromByteOffset: variable.offset, as: Int8.self))
            case .int16: Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: variable.offset, as: Int16.self)))
            case .int32: Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: variable.offset, as: Int32.self)))
            default: Int(raw.loadUnaligned(fromByteOffset: variable.offset, as: UInt32.self))
            }
        }
    }

    private func variable(_ name: String) throws -> Variable {
        guard let variable = variables[name] else {
            throw ModelFileReader.corrupt(url.lastPathComponent, "missing variable \(name)")
        }
        return variable
    }
}
