/// XLM-R's SentencePiece-unigram tokenizer: per-code-point normalisation, runs of spaces collapsed, a leading
/// "▁" and spaces turned into "▁", then the highest-scoring segmentation into vocabulary pieces (Viterbi),
/// with an unknown-character fallback scored below every piece. The pieces are kept in a byte trie, so the
/// segmentation walks each start's candidates byte by byte instead of hashing every substring.
public struct SentencePieceUnigramTokenizer: Sendable {
    /// The trie's edges: (node << 8 | byte) → child node; node 0 is the root.
    private let children: [UInt64: Int32]
    /// The piece id ending at each node, or -1.
    private let terminal: [Int32]
    private let scores: [Float]
    private let normalization: [UInt32: [UInt32]]
    private let unknownScore: Float
    private let maxPieceBytes: Int
    public let bos: Int32
    public let eos: Int32
    public let unk: Int32

    init(_ v: E5ModelFile.Vocabulary) {
        var children: [UInt64: Int32] = [:]
        var terminal: [Int32] = [-1]
        var maxBytes = 1
        for (i, piece) in v.pieces.enumerated() where !piece.isEmpty {
            var node: Int32 = 0
            for byte in piece {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let next = children[key] {
                    node = next
                } else {
                    let next = Int32(terminal.count)
                    terminal.append(-1)
                    children[key] = next
                    node = next
                }
            }
            if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(i) }  // the first of duplicate pieces wins
            maxBytes = max(maxBytes, piece.count)
        }
        self.children = children
        self.terminal = terminal
        scores = v.scores
        normalization = v.normalization
        unknownScore = (v.scores.min() ?? 0) - 10
        maxPieceBytes = maxBytes
        bos = v.bos
        eos = v.eos
        unk = v.unk
    }

    /// The pieces of `text`, without the sentence markers.
    public func contentIDs(_ text: String) -> [Int32] {
        // Normalise code point by code point, then collapse runs of spaces.
        var points: [UInt32] = []
        points.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if let replacement = normalization[s.value] { points.append(contentsOf: replacement) } else { points.append(s.value) }
        }
        var collapsed: [UInt32] = []
        collapsed.reserveCapacity(points.count + 1)
        for p in points where !(p == 0x20 && collapsed.last == 0x20) { collapsed.append(p) }

        // "▁" in front unless the text starts with a space; every space becomes "▁".
        var bytes: [UInt8] = []
        var starts: [Int] = []
        if collapsed.first != 0x20 {
            starts.append(0)
            appendUTF8(0x2581, to: &bytes)
        }
        for p in collapsed {
            starts.append(bytes.count)
            appendUTF8(p == 0x20 ? 0x2581 : p, to: &bytes)
        }
        let n = starts.count
        starts.append(bytes.count)

        // Viterbi: best[e] is the best score of a segmentation of the first e characters.
        var best = [Float](repeating: -1e30, count: n + 1)
        var piece = [Int32](repeating: -1, count: n + 1)
        var from = [Int](repeating: 0, count: n + 1)
        best[0] = 0
        for i in 0..<n where best[i] > -1e29 {
            // Walk the trie from character i; every character boundary reached on a piece's node is a candidate.
            var node: Int32 = 0
            var e = i + 1
            var at = starts[i]
            walk: while e <= n, starts[e] - starts[i] <= maxPieceBytes {
                while at < starts[e] {
                    guard let next = children[UInt64(node) << 8 | UInt64(bytes[at])] else { break walk }
                    node = next
                    at += 1
                }
                let id = terminal[Int(node)]
                if id >= 0, id != unk {
                    let score = best[i] + scores[Int(id)]
                    if score > best[e] {
                        best[e] = score
                        piece[e] = id
                        from[e] = i
                    }
                }
                e += 1
            }
            let fallback = best[i] + unknownScore
            if fallback > best[i + 1] {
                best[i + 1] = fallback
                piece[i + 1] = -1
                from[i + 1] = i
            }
        }
        var reversed: [Int32] = []
        var i = n
        while i > 0 {
            reversed.append(piece[i] < 0 ? unk : piece[i])
            i = from[i]
        }
        return reversed.reversed()
    }

    private func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
        switch cp {
        case ..<0x80:
            out.append(UInt8(cp))
        case ..<0x800:
            out.append(UInt8(0xC0 | (cp >> 6)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        case ..<0x10000:
            out.append(UInt8(0xE0 | (cp >> 12)))
            out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (cp >> 18)))
            out.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        }
    }
}
