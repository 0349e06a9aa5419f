import Foundation
import ZhikuCore

/// GPT-2 style byte-level BPE, built from a GGUF file's `tokenizer.ggml.*` metadata: control tokens (type 3,
/// e.g. `<|im_start|>`) are matched whole first; the rest is pre-split (digits one by one for the `smollm` and
/// similar pre-tokenizers, then the GPT-2 pattern), each piece's UTF-8 bytes are mapped to printable characters,
/// and merges are applied by rank.
public struct ByteLevelBPETokenizer: Sendable {
    public let tokens: [String]
    private let ids: [String: Int32]
    private let ranks: [Pair: Int]
    /// Control tokens, longest first, so one that is a prefix of another never wins.
    private let controls: [(text: String, id: Int32)]
    private let splitsDigits: Bool
    public let eosID: Int32
    public let bosID: Int32?

    private struct Pair: Hashable {
        var left: String
        var right: String
    }

    /// Byte → printable character (GPT-2's `bytes_to_unicode`), and back.
    static let byteCharacters: [Character] = {
        var table = [UInt32](repeating: 0, count: 256)
        var extra: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = extra; extra += 1 }
        }
        return table.map { Character(Unicode.Scalar($0)!) }
    }()
    static let characterBytes: [Character: UInt8] = {
        Dictionary(uniqueKeysWithValues: byteCharacters.enumerated().map { ($1, UInt8($0)) })
    }()

    public init(gguf file: GGUFFile) throws {
        guard let model = file.metadata["tokenizer.ggml.model"]?.string, model == "gpt2" else {
            throw file.corrupt("tokenizer.ggml.model is \(file.metadata["tokenizer.ggml.model"]?.string ?? "missing"); "
                               + "only byte-level BPE (gpt2) is supported")
        }
        guard let tokenValues = file.metadata["tokenizer.ggml.tokens"]?.array else { throw file.corrupt("no tokenizer.ggml.tokens") }
        let tokens = tokenValues.map { $0.string ?? "" }
        self.tokens = tokens
        var ids: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids
        var ranks: [Pair: Int] = [:]
        for (rank, merge) in (file.metadata["tokenizer.ggml.merges"]?.array ?? []).enumerated() {
            guard let text = merge.string, let space = text.firstIndex(of: " ") else { continue }
            ranks[Pair(left: String(text[..<space]), right: String(text[text.index(after: space)...]))] = rank
        }
        self.ranks = ranks
        let types = file.metadata["tokenizer.ggml.token_type"]?.array?.map { $0.int ?? 1 } ?? []
        controls = types.enumerated().filter { $0.element == 3 && !tokens[$0.offset].isEmpty }
            .map { (tokens[$0.offset], Int32($0.offset)) }
            .sorted { $0.text.count > $1.text.count }
        let pre = file.metadata["tokenizer.ggml.pre"]?.string ?? "default"
        splitsDigits = pre == "smollm"
        eosID = Int32(file.metadata["tokenizer.ggml.eos_token_id"]?.int ?? 0)
        bosID = file.metadata["tokenizer.ggml.bos_token_id"]?.int.map(Int32.init)
    }

    /// The id of a token's text (e.g. a control token), if it exists.
    public func id(of token: String) -> Int32? { ids[token] }

    /// Token ids of `text`; control tokens written in the text become their ids.
    public func encode(_ text: String) -> [Int32] {
        var result: [Int32] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            // The earliest control token (longest at the same place) splits the text.
            var best: (range: Range<Substring.Index>, id: Int32)?
            for control in controls {
                if let r = rest.range(of: control.text), best == nil || r.lowerBound < best!.range.lowerBound {
                    best = (r, control.id)
                }
            }
            guard let found = best else {
                encodeOrdinary(rest, into: &result)
                break
            }
            encodeOrdinary(rest[..<found.range.lowerBound], into: &result)
            result.append(found.id)
            rest = rest[found.range.upperBound...]
        }
        return result
    }

    /// The text of `ids` (control tokens included as their text; invalid UTF-8 repaired).
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: bytes(ids), as: UTF8.self)
    }

    /// The raw bytes of `ids` (a streamed answer decodes only complete UTF-8 sequences).
    public func bytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            let token = tokens[Int(id)]
            if controls.contains(where: { $0.id == id }) {
                out += Array(token.utf8)
                continue
            }
            for ch in token {
                if let b = Self.characterBytes[ch] { out.append(b) } else { out += Array(String(ch).utf8) }
            }
        }
        return out
    }

    private func encodeOrdinary(_ text: Substring, into result: inout [Int32]) {
        for piece in Self.pretokenize(text, splitDigits: splitsDigits) {
            let mapped = piece.utf8.map { Self.byteCharacters[Int($0)] }
            if let whole = ids[String(mapped)] {
                result.append(whole)
                continue
            }
            var symbols = mapped.map { String($0) }
            while symbols.count > 1 {
                var bestRank = Int.max, bestIndex = -1
                for i in 0..<(symbols.count - 1) {
                    if let r = ranks[Pair(left: symbols[i], right: symbols[i + 1])], r < bestRank {
                        bestRank = r
                        bestIndex = i
                    }
                }
                guard bestIndex >= 0 else { break }
                symbols[bestIndex] += symbols[bestIndex + 1]
                symbols.remove(at: bestIndex + 1)
            }
            for symbol in symbols {
                if let id = ids[symbol] {
                    result.append(id)
                } else {
                    // Not in the vocabulary as a whole: fall back to its single bytes.
                    for ch in symbol { if let id = ids[String(ch)] { result.append(id) } }
                }
            }
        }
    }

    /// GPT-2's split pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
    /// after putting every digit in a piece of its own when `splitDigits`.
    static func pretokenize(_ text: Substring, splitDigits: Bool) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        if splitDigits {
            var start = 0
            for (i, s) in scalars.enumerated() where isNumber(s) {
                if start < i { split(scalars[start..<i], into: &pieces) }
                pieces.append(String(Character(s)))
                start = i + 1
            }
            if start < scalars.count { split(scalars[start...], into: &pieces) }
        } else {
            split(scalars[...], into: &pieces)
        }
        return pieces
    }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    private static func split(_ s: ArraySlice<Unicode.Scalar>, into pieces: inout [String]) {
        var i = s.startIndex
        func emit(_ r: Range<Int>) {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: s[r])
            pieces.append(String(piece))
        }
        while i < s.endIndex {
            let c = s[i]
            // Contractions.
            if c == "'" && i + 1 < s.endIndex {
                let rest = s[(i + 1)...].prefix(2).map { Character($0) }
                if rest.count == 2, ["re", "ve", "ll"].contains(String(rest)) { emit(i..<(i + 3)); i += 3; continue }
                if let f = rest.first, "stmd".contains(f) { emit(i..<(i + 2)); i += 2; continue }
            }
            // An optional leading space, then letters, numbers or other symbols.
            let start = i
            var j = i
            if c == " ", j + 1 < s.endIndex, !isSpace(s[j + 1]) { j += 1 }
            let first = s[j]
            if !isSpace(first) {
                let klass: (Unicode.Scalar) -> Bool
                if isLetter(first) { klass = isLetter } else if isNumber(first) { klass = isNumber } else {
                    klass = { !isSpace($0) && !isLetter($0) && !isNumber($0) }
                }
                var k = j
                while k < s.endIndex && klass(s[k]) { k += 1 }
                emit(start..<k)
                i = k
                continue
            }
            // Whitespace: the run, minus its last character when something other than space follows.
            var k = i
            while k < s.endIndex && isSpace(s[k]) { k += 1 }
            if k < s.endIndex && k - i > 1 { k -= 1 }
            emit(i..<k)
            i = k
        }
    }
}
