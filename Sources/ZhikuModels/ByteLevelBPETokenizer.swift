import Foundation
import ZhikuCore

/// GPT-2 style byte-level BPE, built from a GGUF file's `tokenizer.ggml.*` metadata, in time linear in the text
/// (up to a log factor):
///
/// 1. Special tokens are found in one pass over the UTF-8 bytes (longest match at each place). User-defined
///    tokens (GGUF type 4) always match, as llama.cpp matches them; control tokens (type 3, `<|im_start|>`) only
///    when the caller parses control tokens — text from documents and users never becomes a control token.
/// 2. The rest is split by the file's pre-tokenizer (``BPEPreTokenizer``).
/// 3. Each piece's bytes become byte tokens, and merges are applied on integer ids, lowest rank first (leftmost
///    among equals), from a min-heap of adjacent pairs with stale entries skipped — O(n log n) in the piece's
///    length where rescanning every pair after each merge was quadratic.
/// 4. Pieces already seen are answered from a cache.
public struct ByteLevelBPETokenizer: Sendable {
    public let tokens: [String]
    public let eosID: Int32
    public let bosID: Int32?
    public let preTokenizer: BPEPreTokenizer
    private let ids: [String: Int32]
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    private let merges: [UInt64: UInt64]
    /// The token id of each byte value.
    private let byteIDs: [Int32]
    /// Every token's bytes, concatenated; token i is `tokenBytes[tokenOffsets[i]..<tokenOffsets[i + 1]]`.
    private let tokenBytes: [UInt8]
    private let tokenOffsets: [Int]
    private let specials: SpecialTokens
    private let cache = PieceCache()
    /// Whole pieces found in the vocabulary skip merging (llama.cpp's `ignore_merges`, Llama 3 only).
    private let ignoresMerges: Bool

    /// Byte → printable character (GPT-2's `bytes_to_unicode`).
    static let byteCharacters: [Character] = {
        var table = [UInt32](repeating: 0, count: 256)
        var extra: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = extra; extra += 1 }
        }
        return table.map { Character(Unicode.Scalar($0)!) }
    }()
    /// And back: printable character → byte.
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
        let types = file.metadata["tokenizer.ggml.token_type"]?.array?.map { $0.int ?? 1 } ?? []
        try self.init(tokens: tokens, types: types,
                      merges: (file.metadata["tokenizer.ggml.merges"]?.array ?? []).compactMap(\.string),
                      preTokenizer: BPEPreTokenizer(ggufName: file.metadata["tokenizer.ggml.pre"]?.string),
                      eosID: Int32(file.metadata["tokenizer.ggml.eos_token_id"]?.int ?? 0),
                      bosID: file.metadata["tokenizer.ggml.bos_token_id"]?.int.map(Int32.init))
    }

    /// A tokenizer from its parts: token texts (byte-level alphabet), GGUF token types (1 normal, 3 control,
    /// 4 user-defined, 6 byte), merges as "left right" in rank order.
    public init(tokens: [String], types: [Int], merges mergeTexts: [String], preTokenizer: BPEPreTokenizer,
                eosID: Int32, bosID: Int32?) throws {
        self.tokens = tokens
        self.preTokenizer = preTokenizer
        self.eosID = eosID
        self.bosID = bosID
        ignoresMerges = preTokenizer == .llama3
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        self.ids = ids

        var byteIDs = [Int32](repeating: -1, count: 256)
        let characterBytes = Self.characterBytes
        for (b, ch) in Self.byteCharacters.enumerated() { byteIDs[b] = ids[String(ch)] ?? -1 }
        self.byteIDs = byteIDs

        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(mergeTexts.count)
        for (rank, text) in mergeTexts.enumerated() {
            guard let space = text.firstIndex(of: " ") else { continue }
            let left = text[..<space], right = text[text.index(after: space)...]
            guard let l = ids[String(left)], let r = ids[String(right)], let m = ids[String(left) + String(right)] else { continue }
            let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
            if merges[key] == nil { merges[key] = UInt64(rank) << 32 | UInt64(UInt32(m)) }
        }
        self.merges = merges

        var special: [(bytes: [UInt8], id: Int32, control: Bool)] = []
        var bytes: [UInt8] = [], offsets = [0]
        bytes.reserveCapacity(tokens.count * 6)
        offsets.reserveCapacity(tokens.count + 1)
        for (i, token) in tokens.enumerated() {
            let type = i < types.count ? types[i] : 1
            if (type == 3 || type == 4) && !token.isEmpty {
                // Control and user-defined tokens are stored as their text, not in the byte alphabet.
                special.append((Array(token.utf8), Int32(i), type == 3))
                bytes += token.utf8
            } else {
                for ch in token {
                    if let b = characterBytes[ch] { bytes.append(b) } else { bytes += String(ch).utf8 }
                }
            }
            offsets.append(bytes.count)
        }
        tokenBytes = bytes
        tokenOffsets = offsets
        specials = SpecialTokens(special)
    }

    /// The id of a token's text (e.g. a control token), if it exists.
    public func id(of token: String) -> Int32? { ids[token] }

    /// Whether `id` is a control token (`<|im_end|>`, …).
    public func isControl(_ id: Int32) -> Bool { specials.controlIDs.contains(id) }

    /// Token ids of `text`. Control tokens written in the text stay text unless `parsingControlTokens` (for a
    /// prompt the program itself wrote); user-defined tokens match either way.
    public func encode(_ text: String, parsingControlTokens: Bool = false) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(text.utf8.count / 2)
        encode(text, parsingControlTokens: parsingControlTokens, shouldStop: { false }, into: &result)
        return result
    }

    /// Like ``encode(_:parsingControlTokens:)``, appending to `result` and asking `shouldStop` every few thousand
    /// pieces; returns false when it stopped early.
    @discardableResult
    public func encode(_ text: String, parsingControlTokens: Bool, shouldStop: () -> Bool, into result: inout [Int32]) -> Bool {
        let utf8 = Array(text.utf8)
        if utf8.isEmpty { return true }
        let matches = specials.matches(in: utf8, controls: parsingControlTokens)
        var start = 0
        for match in matches {
            if start < match.range.lowerBound {
                guard encodeOrdinary(utf8[start..<match.range.lowerBound], shouldStop: shouldStop, into: &result) else { return false }
            }
            result.append(match.id)
            start = match.range.upperBound
        }
        if start < utf8.count {
            guard encodeOrdinary(utf8[start...], shouldStop: shouldStop, into: &result) else { return false }
        }
        return true
    }

    /// The text of `ids` (control tokens included as their text; invalid UTF-8 repaired).
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: bytes(ids), as: UTF8.self)
    }

    /// The raw bytes of `ids` (a streamed answer decodes only complete UTF-8 sequences).
    public func bytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { appendBytes(of: id, to: &out) }
        return out
    }

    /// Appends the bytes of one token.
    public func appendBytes(of id: Int32, to out: inout [UInt8]) {
        guard id >= 0 && Int(id) < tokens.count else { return }
        out += tokenBytes[tokenOffsets[Int(id)]..<tokenOffsets[Int(id) + 1]]
    }

    private func encodeOrdinary(_ utf8: ArraySlice<UInt8>, shouldStop: () -> Bool, into result: inout [Int32]) -> Bool {
        let scalars = Array(String(decoding: utf8, as: UTF8.self).unicodeScalars)
        let pieces = preTokenizer.split(scalars)
        var bytes: [UInt8] = []
        for (n, piece) in pieces.enumerated() {
            if n & 4095 == 4095 && shouldStop() { return false }
            bytes.removeAll(keepingCapacity: true)
            for s in scalars[piece] { bytes += UTF8.encode(s)! }
            if bytes.count == 1, byteIDs[Int(bytes[0])] >= 0 {
                result.append(byteIDs[Int(bytes[0])])
                continue
            }
            if let known = cache[bytes] {
                result += known
                continue
            }
            let ids = merge(bytes)
            cache[bytes] = ids
            result += ids
        }
        return true
    }

    /// BPE merges of one piece's bytes.
    private func merge(_ bytes: [UInt8]) -> [Int32] {
        if ignoresMerges, let whole = ids[String(bytes.map { Self.byteCharacters[Int($0)] })] { return [whole] }
        let n = bytes.count
        var symbol = [Int32](repeating: 0, count: n)
        var next = [Int](repeating: 0, count: n), previous = [Int](repeating: 0, count: n)
        var unknown = false
        for i in 0..<n {
            symbol[i] = byteIDs[Int(bytes[i])]
            if symbol[i] < 0 { unknown = true }
            next[i] = i + 1 < n ? i + 1 : -1
            previous[i] = i - 1
        }
        if unknown { return symbol.filter { $0 >= 0 } }  // a vocabulary without some byte: keep what exists
        var heap = PairHeap()
        func lookup(_ left: Int) -> UInt64? {
            let right = next[left]
            guard right >= 0 else { return nil }
            return merges[UInt64(UInt32(symbol[left])) << 32 | UInt64(UInt32(symbol[right]))]
        }
        for i in 0..<(n - 1) {
            if let m = lookup(i) { heap.push(rank: m >> 32, left: i) }
        }
        while let (rank, left) = heap.pop() {
            // Stale entries (a side already merged away, or the pair changed) no longer have this rank here.
            guard symbol[left] >= 0, let m = lookup(left), m >> 32 == rank else { continue }
            let right = next[left]
            symbol[left] = Int32(truncatingIfNeeded: m & 0xFFFF_FFFF)
            symbol[right] = -1
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0, let p = lookup(previous[left]) { heap.push(rank: p >> 32, left: previous[left]) }
            if let q = lookup(left) { heap.push(rank: q >> 32, left: left) }
        }
        var out: [Int32] = []
        var i = 0
        while i >= 0 {
            out.append(symbol[i])
            i = next[i]
        }
        return out
    }
}

/// Special tokens found in one pass: at each byte, the longest special token starting there (only tokens whose
/// first byte matches are compared).
private struct SpecialTokens: Sendable {
    private let byFirstByte: [[(bytes: [UInt8], id: Int32, control: Bool)]]
    let controlIDs: Set<Int32>

    init(_ tokens: [(bytes: [UInt8], id: Int32, control: Bool)]) {
        var table = [[(bytes: [UInt8], id: Int32, control: Bool)]](repeating: [], count: 256)
        for t in tokens.sorted(by: { $0.bytes.count > $1.bytes.count }) { table[Int(t.bytes[0])].append(t) }
        byFirstByte = table
        controlIDs = Set(tokens.filter(\.control).map(\.id))
    }

    func matches(in text: [UInt8], controls: Bool) -> [(range: Range<Int>, id: Int32)] {
        var found: [(range: Range<Int>, id: Int32)] = []
        var i = 0
        text.withUnsafeBufferPointer { t in
            while i < t.count {
                let candidates = byFirstByte[Int(t[i])]
                var hit: (range: Range<Int>, id: Int32)?
                for c in candidates where (controls || !c.control) && i + c.bytes.count <= t.count {
                    if c.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, t.baseAddress! + i, $0.count) == 0 }) {
                        hit = (i..<(i + c.bytes.count), c.id)
                        break
                    }
                }
                if let hit {
                    found.append(hit)
                    i = hit.range.upperBound
                } else {
                    i += 1
                }
            }
        }
        return found
    }
}

/// Merge results of pieces seen before, shared by every encode of one tokenizer (bounded: emptied when full).
private final class PieceCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[UInt8]: [Int32]] = [:]
    private let capacity = 65_536

    subscript(key: [UInt8]) -> [Int32]? {
        get { lock.withLock { entries[key] } }
        set {
            lock.withLock {
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[key] = newValue
            }
        }
    }
}
