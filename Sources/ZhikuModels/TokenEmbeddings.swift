import Foundation

/// Token embeddings: dense, kept 4-bit and dequantised row by row on lookup, or float32 rows read from a mapped file.
public enum TokenEmbeddings: Sendable {
    case dense([Float])
    /// Q4_0 rows of `width` values each (``QuantBlock/q4_0`` blocks).
    case q4_0(Data)
    /// Little-endian float32 rows, typically a slice of a memory-mapped weights file (rows are paged in on use).
    case mapped(Data)

    func row(_ id: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .dense(let values):
            values.withUnsafeBufferPointer { v in
                out.update(from: v.baseAddress! + id * width, count: width)
            }
        case .q4_0(let data):
            let rowBytes = QuantBlock.q4_0.bytes(forValues: width)
            data.withUnsafeBytes { raw in
                Kernels.dequantizeQ4_0(UnsafeRawBufferPointer(rebasing: raw[(id * rowBytes)..<((id + 1) * rowBytes)]),
                                       count: width, into: out)
            }
        case .mapped(let data):
            data.withUnsafeBytes { raw in
                for i in 0..<width {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: (id * width + i) * 4,
                                                                                      as: UInt32.self)))
                }
            }
        }
    }
}
