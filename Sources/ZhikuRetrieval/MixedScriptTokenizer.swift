import ZhikuCore

/// Tokenizes Chinese, Japanese, Korean and space-separated scripts alike, with no dictionary.
///
/// - Runs of CJK characters become character unigrams and bigrams (年假 → 年, 假, 年假), so a query matches
///   text whatever the word boundaries.
/// - Runs of letters, digits and combining marks become lowercased words (Latin, Cyrillic, Greek, …).
/// - Full-width ASCII (ＡＢＣ１２３) is folded to ASCII first; everything else separates tokens.
/// Words longer than ``maxWordLength`` (hashes, base64) are dropped.
public struct MixedScriptTokenizer: TextTokenizer {
    public static let maxWordLength = 64

    public init() {}

    public var name: String { "mixed-cjk-bigram-v1" }

    public func terms(_ text: String) -> [String] {
        var terms: [String] = []
        var word = String.UnicodeScalarView()
        var wordLength = 0
        var previousCJK: Unicode.Scalar? = nil

        func flushWord() {
            if wordLength > 0 && wordLength <= Self.maxWordLength {
                let w = String(word)
                terms.append(w.utf8.allSatisfy { $0 < 0x80 } ? w : w.lowercased())
            }
            word = String.UnicodeScalarView()
            wordLength = 0
        }

        for raw in text.unicodeScalars {
            let s = Self.foldFullWidth(raw)
            if s.isCJK {
                flushWord()
                terms.append(String(Character(s)))
                if let p = previousCJK {
                    var pair = String.UnicodeScalarView()
                    pair.append(p)
                    pair.append(s)
                    terms.append(String(pair))
                }
                previousCJK = s
                continue
            }
            previousCJK = nil
            if Self.isWordScalar(s) {
                if ("A"..."Z").contains(s) {
                    word.append(Unicode.Scalar(s.value + 32)!)
                } else {
                    word.append(s)
                }
                wordLength += 1
            } else {
                flushWord()
            }
        }
        flushWord()
        return terms
    }

    private static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
        }
        let p = s.properties
        return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
            || p.generalCategory == .spacingMark
    }

    private static func foldFullWidth(_ s: Unicode.Scalar) -> Unicode.Scalar {
        (0xFF01...0xFF5E).contains(s.value) ? Unicode.Scalar(s.value - 0xFEE0)! : s
    }
}
