import ZhikuCore

/// A recursive character splitter with overlap whose output equals LangChain's
/// `RecursiveCharacterTextSplitter(chunk_size, chunk_overlap, separators)` (langchain-text-splitters 1.x, with
/// `keep_separator=True`, `strip_whitespace=True`, plain-string separators, length in Unicode code points).
///
/// It tries the separators in order, cuts at the first one present, merges the pieces back up to `chunkSize`
/// code points with up to `chunkOverlap` carried over, and recurses into pieces that are still too long.
/// All pieces are ranges of the input, so every chunk keeps exact code-point offsets for citations.
public struct RecursiveCharacterTextSplitter: TextSplitter {
    /// Which side of a cut the separator stays on.
    public enum SeparatorPlacement: String, Sendable, Codable {
        /// At the start of the following piece (LangChain's default, `keep_separator=True`).
        case start
        /// At the end of the preceding piece (`keep_separator="end"`): sentences keep their full stop.
        case end
    }

    /// LangChain's default separators.
    public static let defaultSeparators = ["\n\n", "\n", " ", ""]

    /// Separators for Chinese and mixed text: paragraphs, lines, then full-width and ASCII sentence ends,
    /// clause marks, spaces, and finally single characters.
    public static let chineseSeparators = [
        "\n\n", "\n", "。", "！", "？", "；", "…", ". ", "! ", "? ", "; ", "，", "、", ", ", " ", "",
    ]

    public let chunkSize: Int
    public let chunkOverlap: Int
    public let separators: [String]
    public let placement: SeparatorPlacement
    private let separatorScalars: [[Unicode.Scalar]]

    /// - Throws: `.invalidInput` when `chunkSize < 1`, `chunkOverlap < 0` or `chunkOverlap > chunkSize`,
    ///   or when `separators` is empty.
    public init(chunkSize: Int = 500, chunkOverlap: Int = 50, separators: [String] = defaultSeparators,
                placement: SeparatorPlacement = .start) throws {
        guard chunkSize >= 1 else { throw ZhikuError.invalidInput("chunk size must be at least 1, got \(chunkSize)") }
        guard chunkOverlap >= 0 else {
            throw ZhikuError.invalidInput("chunk overlap must not be negative, got \(chunkOverlap)")
        }
        guard chunkOverlap <= chunkSize else {
            throw ZhikuError.invalidInput(
                "chunk overlap (\(chunkOverlap)) must not be larger than chunk size (\(chunkSize))")
        }
        guard !separators.isEmpty else { throw ZhikuError.invalidInput("the separator list must not be empty") }
        self.chunkSize = chunkSize
        self.chunkOverlap = chunkOverlap
        self.separators = separators
        self.placement = placement
        self.separatorScalars = separators.map { Array($0.unicodeScalars) }
    }

    /// The chunk texts alone, as LangChain's `split_text` returns them.
    public func splitText(_ text: String) -> [String] {
        let indexed = IndexedText(text)
        return chunkRanges(indexed.scalars).map { indexed.substring($0) }
    }

    public func split(_ text: String, page: Int) -> [ChunkDraft] {
        let indexed = IndexedText(text)
        return chunkRanges(indexed.scalars).enumerated().map { index, range in
            ChunkDraft(ordinal: index, page: page, start: range.lowerBound, end: range.upperBound,
                       text: indexed.substring(range))
        }
    }

    /// The chunks as code-point ranges of `text`.
    public func chunkRanges(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var output: [Range<Int>] = []
        splitRecursively(text, 0..<text.count, separatorIndex: 0, into: &output)
        return output
    }

    // MARK: - The algorithm

    private func splitRecursively(_ text: [Unicode.Scalar], _ range: Range<Int>, separatorIndex: Int,
                                  into output: inout [Range<Int>]) {
        // Pick the first separator that occurs in this range ("" always matches); fall back to the last one.
        var chosen = separatorScalars.count - 1
        var next: Int? = nil
        for i in separatorIndex..<separatorScalars.count {
            let separator = separatorScalars[i]
            if separator.isEmpty {
                chosen = i
                break
            }
            if firstIndex(of: separator, in: text, range) != nil {
                chosen = i
                next = i + 1 < separatorScalars.count ? i + 1 : nil
                break
            }
        }
        let pieces = cut(text, range, at: separatorScalars[chosen])

        var good: [Range<Int>] = []
        for piece in pieces {
            if piece.count < chunkSize {
                good.append(piece)
                continue
            }
            if !good.isEmpty {
                merge(text, good, into: &output)
                good.removeAll(keepingCapacity: true)
            }
            if let next {
                splitRecursively(text, piece, separatorIndex: next, into: &output)
            } else {
                output.append(piece)
            }
        }
        if !good.isEmpty { merge(text, good, into: &output) }
    }

    /// Cuts `range` at every non-overlapping occurrence of `separator`, keeping the separator with the
    /// following (`.start`) or preceding (`.end`) piece, and dropping empty pieces.
    private func cut(_ text: [Unicode.Scalar], _ range: Range<Int>, at separator: [Unicode.Scalar]) -> [Range<Int>] {
        if separator.isEmpty { return range.map { $0..<($0 + 1) } }
        var pieces: [Range<Int>] = []
        var pieceStart = range.lowerBound
        var searchFrom = range.lowerBound
        while let hit = firstIndex(of: separator, in: text, searchFrom..<range.upperBound) {
            let cutAt = placement == .start ? hit : hit + separator.count
            if cutAt > pieceStart { pieces.append(pieceStart..<cutAt) }
            pieceStart = cutAt
            searchFrom = hit + separator.count
        }
        if range.upperBound > pieceStart { pieces.append(pieceStart..<range.upperBound) }
        return pieces
    }

    /// LangChain's `_merge_splits` with an empty join separator (pieces are contiguous ranges).
    private func merge(_ text: [Unicode.Scalar], _ pieces: [Range<Int>], into output: inout [Range<Int>]) {
        var head = 0  // the current chunk is pieces[head..<tail]
        var total = 0
        for (tail, piece) in pieces.enumerated() {
            let length = piece.count
            if total + length > chunkSize {
                if head < tail {
                    if let chunk = stripped(text, pieces[head].lowerBound..<pieces[tail - 1].upperBound) {
                        output.append(chunk)
                    }
                    while total > chunkOverlap || (total + length > chunkSize && total > 0) {
                        total -= pieces[head].count
                        head += 1
                    }
                }
            }
            total += length
        }
        if head < pieces.count,
           let chunk = stripped(text, pieces[head].lowerBound..<pieces[pieces.count - 1].upperBound) {
            output.append(chunk)
        }
    }

    /// The range without leading and trailing white space (Python's `str.strip()`), or nil if nothing is left.
    private func stripped(_ text: [Unicode.Scalar], _ range: Range<Int>) -> Range<Int>? {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isPythonWhitespace(text[lower]) { lower += 1 }
        while upper > lower, isPythonWhitespace(text[upper - 1]) { upper -= 1 }
        return lower < upper ? lower..<upper : nil
    }

    private func firstIndex(of needle: [Unicode.Scalar], in text: [Unicode.Scalar], _ range: Range<Int>) -> Int? {
        let count = needle.count
        guard count > 0, range.count >= count else { return nil }
        let first = needle[0]
        var i = range.lowerBound
        let last = range.upperBound - count
        outer: while i <= last {
            if text[i] == first {
                var j = 1
                while j < count {
                    if text[i + j] != needle[j] {
                        i += 1
                        continue outer
                    }
                    j += 1
                }
                return i
            }
            i += 1
        }
        return nil
    }
}

/// Text as code points, with the UTF-8 offset of each, so chunks are cut by code point and copied as bytes.
private struct IndexedText {
    let utf8: [UInt8]
    let scalars: [Unicode.Scalar]
    /// `offsets[i]` is the UTF-8 offset of scalar `i`; one extra entry marks the end.
    let offsets: [Int]

    init(_ text: String) {
        var utf8: [UInt8] = []
        var scalars: [Unicode.Scalar] = []
        var offsets: [Int] = []
        var copy = text
        copy.withUTF8 { bytes in
            utf8 = Array(bytes)
            scalars.reserveCapacity(bytes.count)
            offsets.reserveCapacity(bytes.count + 1)
            var i = 0
            while i < bytes.count {
                let b0 = UInt32(bytes[i])
                let width: Int
                let value: UInt32
                if b0 < 0x80 {
                    width = 1; value = b0
                } else if b0 < 0xE0 {
                    width = 2; value = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                } else if b0 < 0xF0 {
                    width = 3
                    value = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                } else {
                    width = 4
                    value = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                        | UInt32(bytes[i + 3] & 0x3F)
                }
                offsets.append(i)
                scalars.append(Unicode.Scalar(value)!)
                i += width
            }
            offsets.append(bytes.count)
        }
        self.utf8 = utf8
        self.scalars = scalars
        self.offsets = offsets
    }

    func substring(_ range: Range<Int>) -> String {
        utf8.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[offsets[range.lowerBound]..<offsets[range.upperBound]]),
                   as: UTF8.self)
        }
    }
}

/// Python's `str.isspace()` for one code point (what `str.strip()` removes), which differs from Unicode's
/// White_Space property: it includes U+001C…U+001F.
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
