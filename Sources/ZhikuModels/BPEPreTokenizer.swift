import Foundation

/// The split a byte-level BPE tokenizer makes before merging, named as GGUF's `tokenizer.ggml.pre` names it.
/// Each variant reproduces one regular expression by hand, in one left-to-right pass over the code points (no
/// backtracking), the way llama.cpp's own hand-written splitters do:
///
/// - ``gpt2``: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - ``smollm``: every digit a piece of its own, then ``gpt2``.
/// - ``qwen2``: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - ``llama3``: the same with `\p{N}{1,3}` (digits in groups of up to three).
public enum BPEPreTokenizer: String, Sendable {
    case gpt2, smollm, qwen2, llama3

    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` value (GPT-2's for unknown names, as llama.cpp does).
    public init(ggufName: String?) {
        switch ggufName {
        case "smollm": self = .smollm
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        case "llama3", "llama-bpe", "llama-v3": self = .llama3
        default: self = .gpt2
        }
    }

    /// Character classes of one code point, looked up once per code point.
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let letter = Flags(rawValue: 1)
        static let number = Flags(rawValue: 2)
        static let space = Flags(rawValue: 4)
        static let newline = Flags(rawValue: 8)  // \r or \n

        static let ascii: [Flags] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

        static func classify(_ s: Unicode.Scalar) -> Flags {
            var f: Flags = []
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f.insert(.letter)
            case .decimalNumber, .letterNumber, .otherNumber: f.insert(.number)
            default: break
            }
            if s.properties.isWhitespace { f.insert(.space) }
            if s == "\r" || s == "\n" { f.insert(.newline) }
            return f
        }

        static func of(_ s: Unicode.Scalar) -> Flags { s.value < 128 ? ascii[Int(s.value)] : classify(s) }
    }

    /// The pieces of `scalars` as index ranges, in order, covering every code point once.
    func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let flags = scalars.map(Flags.of)
        var pieces: [Range<Int>] = []
        pieces.reserveCapacity(scalars.count / 3 + 1)
        switch self {
        case .gpt2:
            Self.splitGPT2(scalars, flags, 0..<scalars.count, into: &pieces)
        case .smollm:
            var start = 0
            for i in scalars.indices where flags[i].contains(.number) {
                if start < i { Self.splitGPT2(scalars, flags, start..<i, into: &pieces) }
                pieces.append(i..<(i + 1))
                start = i + 1
            }
            if start < scalars.count { Self.splitGPT2(scalars, flags, start..<scalars.count, into: &pieces) }
        case .qwen2:
            Self.splitLlama3(scalars, flags, maxDigits: 1, into: &pieces)
        case .llama3:
            Self.splitLlama3(scalars, flags, maxDigits: 3, into: &pieces)
        }
        return pieces
    }

    /// The length of an English contraction (`'s`, `'re`, …) starting at `i`, or 0.
    private static func contraction(_ s: [Unicode.Scalar], _ i: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard s[i] == "'", i + 1 < end else { return 0 }
        func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
            caseInsensitive && c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c
        }
        let a = lower(s[i + 1])
        if a == "s" || a == "t" || a == "m" || a == "d" { return 2 }
        if i + 2 < end {
            let b = lower(s[i + 2])
            if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") { return 3 }
        }
        return 0
    }

    private static func splitGPT2(_ s: [Unicode.Scalar], _ f: [Flags], _ range: Range<Int>, into pieces: inout [Range<Int>]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = contraction(s, i, end, caseInsensitive: false)
            if c > 0 {
                pieces.append(i..<(i + c))
                i += c
                continue
            }
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            var j = i
            if s[i] == " ", i + 1 < end, !f[i + 1].contains(.space) { j += 1 }
            if !f[j].contains(.space) {
                var k = j + 1
                if f[j].contains(.letter) {
                    while k < end && f[k].contains(.letter) { k += 1 }
                } else if f[j].contains(.number) {
                    while k < end && f[k].contains(.number) { k += 1 }
                } else {
                    while k < end && f[k].isDisjoint(with: [.space, .letter, .number]) { k += 1 }
                }
                pieces.append(i..<k)
                i = k
                continue
            }
            // `\s+(?!\S)|\s+`: the run, less its last character when something else follows.
            var k = i
            while k < end && f[k].contains(.space) { k += 1 }
            if k < end && k - i > 1 { k -= 1 }
            pieces.append(i..<k)
            i = k
        }
    }

    private static func splitLlama3(_ s: [Unicode.Scalar], _ f: [Flags], maxDigits: Int, into pieces: inout [Range<Int>]) {
        var i = 0
        let end = s.count
        while i < end {
            let c = contraction(s, i, end, caseInsensitive: true)
            if c > 0 {
                pieces.append(i..<(i + c))
                i += c
                continue
            }
            let here = f[i]
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if !here.contains(.newline) && !here.contains(.number) {
                if here.contains(.letter) || (i + 1 < end && f[i + 1].contains(.letter)) {
                    var k = i + 1
                    while k < end && f[k].contains(.letter) { k += 1 }
                    pieces.append(i..<k)
                    i = k
                    continue
                }
            }
            // `\p{N}{1,maxDigits}`
            if here.contains(.number) {
                var k = i + 1
                while k < end && k - i < maxDigits && f[k].contains(.number) { k += 1 }
                pieces.append(i..<k)
                i = k
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let next = s[i] == " " && i + 1 < end ? f[i + 1] : (s[i] == " " ? Flags.space : here)
            if next.isDisjoint(with: [.space, .letter, .number]) {
                var k = s[i] == " " ? i + 1 : i
                while k < end && f[k].isDisjoint(with: [.space, .letter, .number]) { k += 1 }
                while k < end && f[k].contains(.newline) { k += 1 }
                pieces.append(i..<k)
                i = k
                continue
            }
            // Whitespace: `\s*[\r\n]+` up to the run's last newline, else `\s+(?!\S)`, else `\s+`.
            var k = i, lastNewline = -1
            while k < end && f[k].contains(.space) {
                if f[k].contains(.newline) { lastNewline = k + 1 }
                k += 1
            }
            if lastNewline > 0 {
                k = lastNewline
            } else if k - i > 1 && k < end {
                k -= 1
            } else if k == i {
                k = i + 1  // no alternative matches: one code point alone
            }
            pieces.append(i..<k)
            i = k
        }
    }
}
