import Foundation
import ZhikuCore

/// An ONNX model read straight from its Protocol Buffers file: the graph's nodes in order, its weights (initializers
/// and `Constant` nodes' tensors), its inputs and outputs, and the model's metadata (PP-OCR keeps its recognition
/// dictionary there). Only what inference needs is kept; tensors stored outside the file, sub-graphs and operator
/// domains other than the default one are refused with the reason.
public struct ONNXModelFile: Sendable {
    /// An attribute value of a node.
    public enum Attribute: Sendable {
        case float(Float)
        case int(Int)
        case string(String)
        case tensor(ONNXTensor)
        case floats([Float])
        case ints([Int])
    }

    /// One operator application.
    public struct Node: Sendable {
        public var opType: String
        public var name: String
        /// Value names; an empty name is an omitted optional input.
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [String: Attribute]

        func int(_ key: String) -> Int? {
            if case .int(let v)? = attributes[key] { return v }
            return nil
        }

        func float(_ key: String) -> Float? {
            switch attributes[key] {
            case .float(let v)?: return v
            case .int(let v)?: return Float(v)
            default: return nil
            }
        }

        func ints(_ key: String) -> [Int]? {
            switch attributes[key] {
            case .ints(let v)?: return v
            case .int(let v)?: return [v]
            default: return nil
            }
        }

        func string(_ key: String) -> String? {
            if case .string(let v)? = attributes[key] { return v }
            return nil
        }

        /// The input at `index`, or nil when the node has fewer inputs or leaves it out.
        func input(_ index: Int) -> String? {
            index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
        }
    }

    public var nodes: [Node]
    /// Weights by value name: the graph's initializers and every `Constant` node's value.
    public var constants: [String: ONNXTensor]
    /// The names of the inputs a caller feeds (initializers listed as inputs, as older files do, left out).
    public var inputs: [String]
    public var outputs: [String]
    /// `metadata_props`, key → value.
    public var metadata: [String: String]
    /// The default domain's operator-set version.
    public var opsetVersion: Int

    /// Reads the model at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ZhikuError.notFound("ONNX model \(url.path) could not be read: \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), name: url.lastPathComponent)
    }

    /// Parses a model from its bytes; `name` appears in errors.
    public init(bytes: [UInt8], name: String) throws {
        var reader = ProtobufReader(bytes, name: name)
        var graphRange: Range<Int>?
        var metadata: [String: String] = [:]
        var opset: Int?
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (7, .bytes(let range)): graphRange = range
            case (8, .bytes(let range)):
                var entry = reader.message(range)
                var domain = "", version = 0
                while let (f, v) = try entry.next() {
                    if f == 1, case .bytes(let r) = v { domain = String(decoding: entry.slice(r), as: UTF8.self) }
                    if f == 2, case .varint(let n) = v { version = Int(truncatingIfNeeded: n) }
                }
                if domain.isEmpty || domain == "ai.onnx" { opset = version }
            case (14, .bytes(let range)):
                var entry = reader.message(range)
                var key = "", text = ""
                while let (f, v) = try entry.next() {
                    guard case .bytes(let r) = v else { continue }
                    if f == 1 { key = String(decoding: entry.slice(r), as: UTF8.self) }
                    if f == 2 { text = String(decoding: entry.slice(r), as: UTF8.self) }
                }
                metadata[key] = text
            default: continue
            }
        }
        guard let graphRange else { throw ModelFileReader.corrupt(name, "it has no graph (is it an ONNX model?)") }
        self.metadata = metadata
        opsetVersion = opset ?? 1
        var nodes: [Node] = []
        var constants: [String: ONNXTensor] = [:]
        var inputs: [String] = []
        var outputs: [String] = []
        var graph = reader.message(graphRange)
        while let (field, value) = try graph.next() {
            guard case .bytes(let range) = value else { continue }
            switch field {
            case 1:
                let node = try Self.node(graph.message(range), file: name)
                if node.opType == "Constant" {
                    guard node.outputs.count == 1, case .tensor(let tensor)? = node.attributes["value"] else {
                        throw ModelFileReader.corrupt(name, "Constant node '\(node.name)' has no tensor value "
                                                      + "(only `value` is supported)")
                    }
                    constants[node.outputs[0]] = tensor
                } else {
                    nodes.append(node)
                }
            case 5:
                let (tensorName, tensor) = try Self.tensor(graph.message(range), file: name)
                constants[tensorName] = tensor
            case 11: inputs.append(try Self.valueName(graph.message(range)))
            case 12: outputs.append(try Self.valueName(graph.message(range)))
            default: continue
            }
        }
        self.nodes = nodes
        self.constants = constants
        self.inputs = inputs.filter { constants[$0] == nil }
        self.outputs = outputs
    }

    private static func valueName(_ message: ProtobufReader) throws -> String {
        var reader = message
        while let (field, value) = try reader.next() {
            if field == 1, case .bytes(let r) = value { return String(decoding: reader.slice(r), as: UTF8.self) }
        }
        return ""
    }

    private static func node(_ message: ProtobufReader, file: String) throws -> Node {
        var reader = message
        var node = Node(opType: "", name: "", inputs: [], outputs: [], attributes: [:])
        var domain = ""
        while let (field, value) = try reader.next() {
            guard case .bytes(let range) = value else { continue }
            switch field {
            case 1: node.inputs.append(String(decoding: reader.slice(range), as: UTF8.self))
            case 2: node.outputs.append(String(decoding: reader.slice(range), as: UTF8.self))
            case 3: node.name = String(decoding: reader.slice(range), as: UTF8.self)
            case 4: node.opType = String(decoding: reader.slice(range), as: UTF8.self)
            case 5:
                let (key, attribute) = try Self.attribute(reader.message(range), file: file)
                if let attribute { node.attributes[key] = attribute }
            case 7: domain = String(decoding: reader.slice(range), as: UTF8.self)
            default: continue
            }
        }
        guard domain.isEmpty || domain == "ai.onnx" else {
            throw ZhikuError.invalidInput("ONNX model \(file): operator \(domain).\(node.opType) (node '\(node.name)') "
                                          + "is outside the default domain and not supported")
        }
        return node
    }

    private static func attribute(_ message: ProtobufReader, file: String) throws -> (String, Attribute?) {
        var reader = message
        var name = ""
        var float: Float?, int: Int?, string: String?, tensor: ONNXTensor?
        var floats: [Float] = [], ints: [Int] = []
        var type = 0
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let r)): name = String(decoding: reader.slice(r), as: UTF8.self)
            case (2, .fixed32(let bits)): float = Float(bitPattern: bits)
            case (3, .varint(let v)): int = Int(Int64(bitPattern: v))
            case (4, .bytes(let r)): string = String(decoding: reader.slice(r), as: UTF8.self)
            case (5, .bytes(let r)): tensor = try Self.tensor(reader.message(r), file: file).1
            case (6, _), (11, _):
                throw ZhikuError.invalidInput("ONNX model \(file): attribute '\(name)' holds a sub-graph; control flow is not supported")
            case (7, .fixed32(let bits)): floats.append(Float(bitPattern: bits))
            case (7, .bytes(let r)): floats += try packedFloats(reader, r, file: file)
            case (8, .varint(let v)): ints.append(Int(Int64(bitPattern: v)))
            case (8, .bytes(let r)): ints += try packedVarints(reader, r)
            case (20, .varint(let v)): type = Int(v)
            default: continue
            }
        }
        switch type {
        case 1: return (name, float.map(Attribute.float) ?? .float(0))
        case 2: return (name, .int(int ?? 0))
        case 3: return (name, .string(string ?? ""))
        case 4: return (name, tensor.map(Attribute.tensor))
        case 6: return (name, .floats(floats))
        case 7: return (name, .ints(ints))
        default:
            // Files from before the type field: whichever value is present.
            if let tensor { return (name, .tensor(tensor)) }
            if let float { return (name, .float(float)) }
            if let int { return (name, .int(int)) }
            if let string { return (name, .string(string)) }
            if !floats.isEmpty { return (name, .floats(floats)) }
            return (name, .ints(ints))
        }
    }

    private static func packedVarints(_ reader: ProtobufReader, _ range: Range<Int>) throws -> [Int] {
        var packed = reader.message(range)
        var out: [Int] = []
        while let v = try packed.nextPackedVarint() { out.append(Int(Int64(bitPattern: v))) }
        return out
    }

    private static func packedFloats(_ reader: ProtobufReader, _ range: Range<Int>, file: String) throws -> [Float] {
        guard range.count % 4 == 0 else { throw ModelFileReader.corrupt(file, "packed floats of \(range.count) bytes") }
        return reader.bytes.withUnsafeBytes { raw in
            (0..<(range.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: range.lowerBound + 4 * $0, as: UInt32.self).littleEndian) }
        }
    }

    /// A `TensorProto`: its name and values (float32, float16, double → floats; int8…int64, uint8, bool → ints).
    static func tensor(_ message: ProtobufReader, file: String) throws -> (String, ONNXTensor) {
        var reader = message
        var dims: [Int] = []
        var dataType = 0
        var name = ""
        var raw: Range<Int>?
        var floatData: [Float] = []
        var intData: [Int] = []
        var doubleData: [Double] = []
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .varint(let v)): dims.append(Int(Int64(bitPattern: v)))
            case (1, .bytes(let r)): dims += try packedVarints(reader, r)
            case (2, .varint(let v)): dataType = Int(v)
            case (4, .fixed32(let bits)): floatData.append(Float(bitPattern: bits))
            case (4, .bytes(let r)): floatData += try packedFloats(reader, r, file: file)
            case (5, .varint(let v)), (7, .varint(let v)): intData.append(Int(Int64(bitPattern: v)))
            case (5, .bytes(let r)), (7, .bytes(let r)): intData += try packedVarints(reader, r)
            case (8, .bytes(let r)): name = String(decoding: reader.slice(r), as: UTF8.self)
            case (9, .bytes(let r)): raw = r
            case (10, .fixed64(let bits)): doubleData.append(Double(bitPattern: bits))
            case (10, .bytes(let r)):
                guard r.count % 8 == 0 else { throw ModelFileReader.corrupt(file, "tensor '\(name)': packed doubles of \(r.count) bytes") }
                doubleData += reader.bytes.withUnsafeBytes { b in
                    (0..<(r.count / 8)).map { Double(bitPattern: b.loadUnaligned(fromByteOffset: r.lowerBound + 8 * $0, as: UInt64.self).littleEndian) }
                }
            case (13, _), (14, .varint(1)):
                throw ZhikuError.invalidInput("ONNX model \(file): tensor '\(name)' is stored in an external file, which is not supported")
            default: continue
            }
        }
        let count = try ONNXTensor.checkedCount(dims, context: "ONNX model \(file), tensor '\(name)'")
        let width: Int
        switch dataType {
        case 1, 6: width = 4
        case 10, 5, 4: width = 2
        case 11, 7, 13: width = 8
        case 2, 3, 9: width = 1
        case 12: width = 4
        default:
            throw ZhikuError.invalidInput("ONNX model \(file): tensor '\(name)' has data type \(dataType), which is not supported")
        }
        func mismatch(_ found: Int) -> ZhikuError {
            ModelFileReader.corrupt(file, "tensor '\(name)' of shape \(dims) holds \(found) values")
        }
        if let raw {
            guard raw.count == count * width else { throw mismatch(raw.count / max(1, width)) }
            let base = raw.lowerBound
            return reader.bytes.withUnsafeBytes { b -> (String, ONNXTensor) in
                func at<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T { T(littleEndian: b.loadUnaligned(fromByteOffset: base + i * width, as: T.self)) }
                switch dataType {
                case 1: return (name, ONNXTensor(shape: dims, floats: (0..<count).map { Float(bitPattern: at($0, UInt32.self)) }))
                case 10: return (name, ONNXTensor(shape: dims, floats: (0..<count).map { Float(Float16(bitPattern: at($0, UInt16.self))) }))
                case 11: return (name, ONNXTensor(shape: dims, floats: (0..<count).map { Float(Double(bitPattern: at($0, UInt64.self))) }))
                case 6: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, Int32.self)) }))
                case 7: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, Int64.self)) }))
                case 12: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, UInt32.self)) }))
                case 13: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(truncatingIfNeeded: at($0, UInt64.self)) }))
                case 5: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, Int16.self)) }))
                case 4: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, UInt16.self)) }))
                case 3: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, Int8.self)) }))
                default: return (name, ONNXTensor(shape: dims, ints: (0..<count).map { Int(at($0, UInt8.self)) }))
                }
            }
        }
        switch dataType {
        case 1:
            guard floatData.count == count else { throw mismatch(floatData.count) }
            return (name, ONNXTensor(shape: dims, floats: floatData))
        case 11:
            guard doubleData.count == count else { throw mismatch(doubleData.count) }
            return (name, ONNXTensor(shape: dims, floats: doubleData.map { Float($0) }))
        case 10:
            // float16 values sit in int32_data, one per entry.
            guard intData.count == count else { throw mismatch(intData.count) }
            return (name, ONNXTensor(shape: dims, floats: intData.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }))
        default:
            guard intData.count == count else { throw mismatch(intData.count) }
            return (name, ONNXTensor(shape: dims, ints: intData))
        }
    }
}

extension ProtobufReader {
    /// The next varint of a packed repeated field (a reader made with ``message(_:)`` over its bytes), or nil at the end.
    mutating func nextPackedVarint() throws -> UInt64? {
        guard !isAtEnd else { return nil }
        return try readVarint()
    }
}
