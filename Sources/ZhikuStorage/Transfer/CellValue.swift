/// One value of a copied row, in the kind its column declares (see ``TableSpec``).
public enum CellValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// Bytes that identify the value exactly (kind, and every bit of a number), for checksums.
    var canonicalBytes: [UInt8] {
        switch self {
        case .null: return [0]
        case .integer(let v): return [1] + withUnsafeBytes(of: v.littleEndian, Array.init)
        case .real(let v): return [2] + withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
        case .text(let s):
            let utf8 = Array(s.utf8)
            return [3] + withUnsafeBytes(of: UInt64(utf8.count).littleEndian, Array.init) + utf8
        }
    }
}
