import Foundation
import ZhikuCore

/// A SentencePiece BPE tokenizer read from its `tokenizer.model` (Gemma's): spaces become "▁", user-defined pieces
/// (runs of newlines, tabs or spaces, HTML tags, `<start_of_turn>`…) are taken whole where they occur, longest
/// first, and never merged further; everything else starts as single characters, and the adjacent pair whose
/// concatenation is the highest-scoring piece is merged until none is left (ties to the leftmost pair), through a
/// heap of candidate pairs, so a text of n characters costs O(n log n). Characters no piece covers are spelled as
/// their UTF-8 bytes (`<0x..>` pieces). Control pieces (`<bos>`, `<eos>`, `<pad>`) never come from text.
public struct SentencePieceBPETokenizer: Sendable {
    /// Normal, user-defined and unused pieces by their UTF-8 bytes (what text may become).
    private let ids: [[UInt8]: Int32]
    /// Merge priority per piece id: 0 for the highest score; equal scores share a rank.
    private let ranks: [UInt32]
    /// User-defined pieces by their first byte, longest first.
    private let userDefined: [[(bytes: [UInt8], id: Int32)]]
    private let byteIDs: [Int32]
    private let maxPieceBytes: Int
    private let addsDummyPrefix: Bool
    public let bos: Int32
    public let eos: Int32
    public let unk: Int32
    public let vocabularySize: Int

    /// Reads a SentencePiece `ModelProto`; only BPE models with the identity normaliser are accepted.
    public init(modelFile url: URL) throws {
        let name = url.lastPathComponent
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw ZhikuError.notFound("cannot read tokenizer \(url.path): \(error.localizedDescription)")
        }
        var reader = ProtobufReader(bytes, name: name)
        var pieces: [(bytes: [UInt8], score: Float, type: UInt64)] = []
        var modelType: UInt64 = 1, byteFallback = false
        var normalizer = "nmt_nfkc", dummyPrefix = true, collapsesSpaces = true, escapesSpaces = true
        while let (field, value) = try reader.next() {
            guard case .bytes(let range) = value else { continue }
            var message = reader.message(range)
            switch field {
            case 1:
                var piece: (bytes: [UInt8], score: Float, type: UInt64) = ([], 0, 1)
                while let (f, v) = try message.next() {
                    switch (f, v) {
                    case (1, .bytes(let r)): piece.bytes = message.slice(r)
                    case (2, .fixed32(let bits)): piece.score = Float(bitPattern: bits)
                    case (3, .varint(let t)): piece.type = t
                    default: break
                    }
                }
                pieces.append(piece)
            case 2:
                while let (f, v) = try message.next() {
                    switch (f, v) {
                    case (3, .varint(let t)): modelType = t
                    case (35, .varint(let b)): byteFallback = b != 0
                    default: break
                    }
                }
            case 3:
                while let (f, v) = try message.next() {
                    switch (f, v) {
                    case (1, .bytes(let r)): normalizer = String(decoding: message.slice(r), as: UTF8.self)
                    case (3, .varint(let b)): dummyPrefix = b != 0
                    case (4, .varint(let b)): collapsesSpaces = b != 0
                    case (5, .varint(let b)): escapesSpaces = b != 0
                    default: break
                    }
                }
            default:
                break
            }
        }
        func unusable(_ why: String) -> ZhikuError { ModelFileReader.corrupt(name, why) }
        guard modelType == 2 else { throw unusable("model type \(modelType) is not BPE (2)") }
        guard normalizer == "identity", !collapsesSpaces, escapesSpaces else {
            throw unusable("normaliser '\(normalizer)' (collapsing spaces: \(collapsesSpaces)) is not supported; only identity")
        }
        guard !pieces.isEmpty else { throw unusable("it has no pieces") }

        var ids: [[UInt8]: Int32] = [:]
        var userDefined = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        var byteIDs = [Int32](repeating: -1, count: 256)
        var bos: Int32 = -1, eos: Int32 = -1, unk: Int32 = -1
        var maxBytes = 1
        for (i, piece) in pieces.enumerated() where !piece.bytes.isEmpty {
            let id = Int32(i)
            switch piece.type {
            case 1, 4, 5:  // normal, user-defined, unused
                if ids[piece.bytes] == nil { ids[piece.bytes] = id }
                maxBytes = max(maxBytes, piece.bytes.count)
                if piece.type == 4 { userDefined[Int(piece.bytes[0])].append((piece.bytes, id)) }
            case 2:
                unk = id
            case 3:
                if piece.bytes == Array("<bos>".utf8) || piece.bytes == Array("<s>".utf8) { bos = id }
                if piece.bytes == Array("<eos>".utf8) || piece.bytes == Array("</s>".utf8) { eos = id }
            case 6:
                // "<0xAB>"
                if byteFallback, piece.bytes.count == 6, let b = UInt8(String(decoding: piece.bytes[3..<5], as: UTF8.self), radix: 16) {
                    byteIDs[Int(b)] = id
                }
            default:
                break
            }
        }
        guard unk >= 0 else { throw unusable("it has no unknown piece") }
        let distinctScores = Set(pieces.map(\.score)).sorted(by: >)
        let rankOfScore = Dictionary(uniqueKeysWithValues: distinctScores.enumerated().map { ($1, UInt32($0)) })
        self.ids = ids
        ranks = pieces.map { rankOfScore[$0.score]! }
        self.userDefined = userDefined.map { $0.sorted { $0.bytes.count > $1.bytes.count } }
        self.byteIDs = byteIDs
        maxPieceBytes = maxBytes
        addsDummyPrefix = dummyPrefix
        self.bos = bos
        self.eos = eos
        self.unk = unk
        vocabularySize = pieces.count
    }

    /// The pieces of `text`, without sentence markers.
    public func encode(_ text: String) -> [Int32] {
        // Normalise: every space becomes "▁" (and one is put in front when the model asks for a dummy prefix).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 3)
        if addsDummyPrefix, !text.isEmpty { bytes += [0xE2, 0x96, 0x81] }
        for b in text.utf8 {
            if b == 0x20 { bytes += [0xE2, 0x96, 0x81] } else { bytes.append(b) }
        }
        guard !bytes.isEmpty else { return [] }

        // Symbols: user-defined pieces whole (frozen), otherwise one character each.
        var starts: [Int] = [], ends: [Int] = [], symbols: [Int32] = [], frozen: [Bool] = []
        var i = 0
        bytes.withUnsafeBufferPointer { t in
            while i < t.count {
                var length = 0, id: Int32 = -1, isFrozen = false
                for candidate in userDefined[Int(t[i])] where i + candidate.bytes.count <= t.count {
                    if candidate.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, t.baseAddress! + i, $0.count) == 0 }) {
                        length = candidate.bytes.count
                        id = candidate.id
                        isFrozen = true
                        break
                    }
                }
                if length == 0 {
                    length = min(t.count - i, Self.utf8Length(leadByte: t[i]))
                    id = ids[Array(t[i..<(i + length)])] ?? -1
                }
                starts.append(i)
                ends.append(i + length)
                symbols.append(id)
                frozen.append(isFrozen)
                i += length
            }
        }

        let n = symbols.count
        var next = (0..<n).map { $0 + 1 < n ? $0 + 1 : -1 }
        var previous = (0..<n).map { $0 - 1 }
        var alive = [Bool](repeating: true, count: n)
        var heap = PairHeap()
        // The piece two adjacent symbols would merge into, if any.
        func merged(_ left: Int) -> Int32? {
            let right = next[left]
            guard right >= 0, !frozen[left], !frozen[right], symbols[left] >= 0, symbols[right] >= 0,
                  ends[right] - starts[left] <= maxPieceBytes else { return nil }
            return ids[Array(bytes[starts[left]..<ends[right]])]
        }
        func push(_ left: Int) {
            if let id = merged(left) { heap.push(rank: UInt64(ranks[Int(id)]), left: left) }
        }
        for s in 0..<(n - 1) { push(s) }
        while let (rank, left) = heap.pop() {
            // Stale entries (a side merged away since, or the pair changed) are skipped.
            guard alive[left], let id = merged(left), UInt64(ranks[Int(id)]) == rank else { continue }
            let right = next[left]
            symbols[left] = id
            ends[left] = ends[right]
            alive[right] = false
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0 { push(previous[left]) }
            push(left)
        }

        var out: [Int32] = []
        out.reserveCapacity(n)
        var s = 0
        while s >= 0 {
            if symbols[s] >= 0 {
                out.append(symbols[s])
            } else {
                // A character no piece covers: its bytes' pieces, or the unknown piece if some byte has none.
                let characterBytes = bytes[starts[s]..<ends[s]]
                if characterBytes.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                    out += characterBytes.map { byteIDs[Int($0)] }
                } else {
                    out.append(unk)
                }
            }
            s = next[s]
        }
        return out
    }

    private static func utf8Length(leadByte b: UInt8) -> Int {
        switch b {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }
}
