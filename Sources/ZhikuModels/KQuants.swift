import Foundation

/// GGUF's "k-quant" super-blocks of 256 values, decoded into the smaller groups Zhiku's kernels use:
///
/// - Q4_K (144 bytes): fp16 `d` and `dmin`, twelve bytes packing eight 6-bit scales and eight 6-bit minimums, then
///   128 bytes of 4-bit codes. Each group of 32 is `d·scale·q − dmin·min` — exactly a Q4_1 block, so it is kept as one.
/// - Q6_K (210 bytes): 128 bytes of low 4 bits, 64 bytes of high 2 bits, sixteen signed 8-bit scales, fp16 `d`.
///   Each group of 16 is `d·scale·(q − 32)`: signed 8-bit codes with one float scale per 16.
enum KQuants {
    static let q4KBytes = QuantBlock.q4_K.bytes
    static let q6KBytes = QuantBlock.q6_K.bytes

    private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(p.load(fromByteOffset: offset, as: UInt8.self))
                      | UInt16(p.load(fromByteOffset: offset + 1, as: UInt8.self)) << 8))
    }

    /// The eight groups of 32 of one Q4_K super-block: `group(i, scale, minimum, codes)` with `codes` the 32 values
    /// 0…15 in order, and value = scale·code + minimum.
    static func q4K(_ block: UnsafeRawPointer, _ group: (Int, Float, Float, [UInt8]) -> Void) {
        let bytes = block.assumingMemoryBound(to: UInt8.self)
        let d = half(block, 0), dmin = half(block, 2)
        let packed = bytes + 4, codes = bytes + 16
        for i in 0..<8 {
            let scale, minimum: UInt8
            if i < 4 {
                scale = packed[i] & 63
                minimum = packed[i + 4] & 63
            } else {
                scale = (packed[i + 4] & 0x0F) | ((packed[i - 4] >> 6) << 4)
                minimum = (packed[i + 4] >> 4) | ((packed[i] >> 6) << 4)
            }
            // Groups come in pairs sharing 32 code bytes: the first takes the low nibbles, the second the high ones.
            let base = codes + (i / 2) * 32
            let values = (0..<32).map { i % 2 == 0 ? base[$0] & 0x0F : base[$0] >> 4 }
            group(i, d * Float(scale), -(dmin * Float(minimum)), values)
        }
    }

    /// The sixteen groups of 16 of one Q6_K super-block: `group(i, scale, codes)` with `codes` the signed values
    /// −32…31 in order, and value = scale·code.
    static func q6K(_ block: UnsafeRawPointer, _ group: (Int, Float, [Int8]) -> Void) {
        let bytes = block.assumingMemoryBound(to: UInt8.self)
        let low = bytes, high = bytes + 128, scales = (bytes + 192).withMemoryRebound(to: Int8.self, capacity: 16) { $0 }
        let d = half(block, 208)
        var values = [Int8](repeating: 0, count: 256)
        for half in 0..<2 {
            let l = low + half * 64, h = high + half * 32, out = half * 128
            for i in 0..<32 {
                values[out + i] = Int8(bitPattern: (l[i] & 0x0F) | ((h[i] & 3) << 4)) - 32
                values[out + i + 32] = Int8(bitPattern: (l[i + 32] & 0x0F) | (((h[i] >> 2) & 3) << 4)) - 32
                values[out + i + 64] = Int8(bitPattern: (l[i] >> 4) | (((h[i] >> 4) & 3) << 4)) - 32
                values[out + i + 96] = Int8(bitPattern: (l[i + 32] >> 4) | (((h[i] >> 6) & 3) << 4)) - 32
            }
        }
        for i in 0..<16 { group(i, d * Float(scales[i]), Array(values[(i * 16)..<(i * 16 + 16)])) }
    }
}
