import Foundation
import ZhikuCore

/// BERT's uncased tokenizer: text cleaning, CJK characters as words, lowercasing and accent stripping,
/// punctuation splitting, then greedy longest-match WordPiece against `vocab.txt`.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let unknown: Int32
    public let classToken: Int32
    public let separatorToken: Int32
    public let maxCharactersPerWord = 100

    /// Reads `vocab.txt` (one token per line, the line number is the id).
    public init(vocabularyFile url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ZhikuError.notFound("cannot read the vocabulary at \(url.path)")
        }
        var vocabulary: [String: Int32] = [:]
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if !token.isEmpty, vocabulary[token] == nil { vocabulary[token] = Int32(i) }
        }
        guard let unk = vocabulary["[UNK]"], let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"] else {
            throw ZhikuError(.invalidInput, "\(url.lastPathComponent) lacks [UNK], [CLS] or [SEP]")
        }
        self.vocabulary = vocabulary
        unknown = unk
        classToken = cls
        separatorToken = sep
    }

    /// `[CLS] pieces… [SEP]`, at most `maxLength` ids in all.
    public func encode(_ text: String, maxLength: Int) -> [Int32] {
        var ids: [Int32] = [classToken]
        for word in basicTokens(text) {
            for id in wordPieces(word) {
                guard ids.count < maxLength - 1 else { break }
                ids.append(id)
            }
            if ids.count >= maxLength - 1 { break }
        }
        ids.append(separatorToken)
        return ids
    }

    /// The basic tokenizer: cleaned, split on white space and punctuation, CJK characters apart, lowercased
    /// without accents.
    func basicTokens(_ text: String) -> [String] {
        var spaced = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            if v == 0 || v == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) {
                spaced.append(" ")
            } else if isChineseCharacter(v) {
                spaced.append(" ")
                spaced.append(s)
                spaced.append(" ")
            } else {
                spaced.append(s)
            }
        }
        var tokens: [String] = []
        for word in String(spaced).split(separator: " ") {
            let lowered = word.lowercased().decomposedStringWithCanonicalMapping
            var current = String.UnicodeScalarView()
            for s in lowered.unicodeScalars {
                if s.properties.generalCategory == .nonspacingMark { continue }
                if isPunctuation(s) {
                    if !current.isEmpty { tokens.append(String(current)) }
                    current = String.UnicodeScalarView()
                    tokens.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { tokens.append(String(current)) }
        }
        return tokens
    }

    /// Greedy longest-match-first WordPiece; a word that cannot be covered is one [UNK].
    func wordPieces(_ word: String) -> [Int32] {
        let chars = Array(word.unicodeScalars)
        guard chars.count <= maxCharactersPerWord else { return [unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: Int32? = nil
            while start < end {
                var piece = String.UnicodeScalarView()
                piece.append(contentsOf: chars[start..<end])
                let candidate = start > 0 ? "##" + String(piece) : String(piece)
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    private func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    private func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    private func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    private func isChineseCharacter(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
