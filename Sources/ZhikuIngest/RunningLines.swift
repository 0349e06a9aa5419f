import ZhikuCore

/// Drops the running headers and footers of a PDF — the same line at the top or bottom of most pages, page
/// numbers included ("Getting Started V2.9.0, 28 Jun 2026 15 / 55" on every page of a guide) — so chunks start
/// with their own text. Lines are compared with their digits masked; only the first and last two lines of a page
/// are candidates, only text-layer pages are changed (an OCR'd page's words point into its text), and a document
/// needs at least four such pages; a page keeps such lines when it has nothing else. (``PopplerPDFExtractor``
/// applies it.)
enum RunningLines {
    /// Lines at each end of a page that may be running.
    static let edge = 2

    static func strip(_ pages: [ExtractedPage]) -> [ExtractedPage] {
        let candidates = pages.indices.filter { pages[$0].engine == nil && pages[$0].words == nil }
        guard candidates.count >= 4 else { return pages }
        let edges = Dictionary(uniqueKeysWithValues: candidates.map { ($0, edgeLines(pages[$0].text)) })
        var seen: [String: Int] = [:]
        for i in candidates {
            for key in Set(edges[i]!.map(\.key)) where !key.isEmpty { seen[key, default: 0] += 1 }
        }
        let threshold = max(3, (candidates.count + 1) / 2)
        let running = Set(seen.filter { $0.value >= threshold }.keys)
        guard !running.isEmpty else { return pages }
        var result = pages
        for i in candidates {
            let drop = Set(edges[i]!.filter { running.contains($0.key) }.map(\.index))
            guard !drop.isEmpty else { continue }
            let lines = pages[i].text.split(separator: "\n", omittingEmptySubsequences: false)
            // A page made only of such lines is content (a form or an invoice per page), not headers and footers.
            guard lines.indices.contains(where: { !drop.contains($0) && !lines[$0].allSatisfy(\.isWhitespace) }) else { continue }
            result[i].text = lines.enumerated().filter { !drop.contains($0.offset) }.map(\.element).joined(separator: "\n")
                .trimmingCharacters(in: .newlines)
            result[i].headings = []   // a PDF page's headings (none today) would point into the old text
        }
        return result
    }

    /// The first and last ``edge`` non-empty lines of `text`: their line index and comparison key.
    static func edgeLines(_ text: String) -> [(index: Int, key: String)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let nonEmpty = lines.indices.filter { !lines[$0].allSatisfy(\.isWhitespace) }
        let picked = Set(nonEmpty.prefix(edge) + nonEmpty.suffix(edge))
        return picked.sorted().map { ($0, key(lines[$0])) }
    }

    /// A line with runs of digits masked and white space collapsed.
    static func key(_ line: Substring) -> String {
        var key = "", lastWasDigit = false, lastWasSpace = true
        for ch in line {
            if ch.isNumber {
                if !lastWasDigit { key.append("#") }
                lastWasDigit = true
                lastWasSpace = false
            } else if ch.isWhitespace {
                if !lastWasSpace { key.append(" ") }
                lastWasSpace = true
                lastWasDigit = false
            } else {
                key.append(ch)
                lastWasDigit = false
                lastWasSpace = false
            }
        }
        return key.trimmingCharacters(in: .whitespaces)
    }
}
