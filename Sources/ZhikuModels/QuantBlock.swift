/// The byte layouts of ggml's quantized blocks, in one place: how many values a block holds and how many bytes
/// it takes. Every reader and kernel takes its sizes from here.
public struct QuantBlock: Sendable, Equatable {
    /// Values per block.
    public let values: Int
    /// Bytes per block.
    public let bytes: Int

    /// fp16 scale d, then 16 bytes of nibbles (weight j low, j + 16 high, each stored +8): d·(q − 8).
    public static let q4_0 = QuantBlock(values: 32, bytes: 2 + 16)
    /// fp16 scale d, fp16 minimum m, then 16 bytes of nibbles: d·q + m.
    public static let q4_1 = QuantBlock(values: 32, bytes: 2 + 2 + 16)
    /// fp16 scale d, 32 high bits, 16 bytes of low nibbles: d·(q − 16).
    public static let q5_0 = QuantBlock(values: 32, bytes: 2 + 4 + 16)
    /// fp16 scale d, then 32 signed bytes: d·q.
    public static let q8_0 = QuantBlock(values: 32, bytes: 2 + 32)
    /// A super-block of 256 values: fp16 d and dmin, 12 bytes of 6-bit scales and minimums, 128 bytes of nibbles
    /// (see ``KQuants``).
    public static let q4_K = QuantBlock(values: 256, bytes: 2 + 2 + 12 + 128)
    /// A super-block of 256 values: 128 bytes of low 4 bits, 64 of high 2 bits, 16 scales, fp16 d.
    public static let q6_K = QuantBlock(values: 256, bytes: 128 + 64 + 16 + 2)

    /// Bytes of `count` values (a whole number of blocks).
    public func bytes(forValues count: Int) -> Int { count / values * bytes }
}
