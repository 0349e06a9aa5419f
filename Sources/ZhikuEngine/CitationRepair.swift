import Foundation
import ZhikuCore

/// Citations for an answer that has none: small models often write the fact and forget the `[n]`, or name their
/// source in words ("资料编号：2", "source 3"). Such an answer gets the number it named, or else the source its
/// text overlaps most (as RAGFlow attributes answer sentences to chunks), appended as `[n]` — so every sourced
/// answer points at the passage it came from. Answers that already cite a source are left as they are.
public enum CitationRepair {
    /// What to append to `answer` (" [2]", " [1][3]"), or nil when it cites already or nothing matches well.
    /// `sources` are the numbered sources' texts, [1] first.
    public static func missingCitations(answer: String, sources: [String]) -> String? {
        guard !sources.isEmpty, !cites(answer, count: sources.count) else { return nil }
        if let named = namedSource(answer, count: sources.count) { return " [\(named)]" }
        let units = Self.units(answer)
        guard units.count >= 4 else { return nil }
        let inSources = sources.map(Self.units)
        let coverage = inSources.map { inSource in Double(units.filter { inSource.contains($0) }.count) / Double(units.count) }
        guard let best = coverage.indices.max(by: { coverage[$0] < coverage[$1] }), coverage[best] >= minimumCoverage else {
            return identifierSource(units, in: inSources).map { " [\($0)]" }
        }
        // A second source that covers almost as much is cited too (the answer may combine them).
        let runnerUp = coverage.indices.filter { $0 != best && coverage[$0] >= minimumCoverage && coverage[$0] >= 0.9 * coverage[best] }
            .max { coverage[$0] < coverage[$1] }
        return " " + ([best] + (runnerUp.map { [$0] } ?? [])).sorted().map { "[\($0 + 1)]" }.joined()
    }

    /// The source that holds an answer's identifiers (words with `_` or `-`, or letters and digits: commands,
    /// options, variables) best, each weighted by how few sources have it; nil when no source holds one, or two
    /// hold them equally. For answers that share little wording with every source — above all an answer in
    /// another language than its source ("use the -sa option of dpkg-buildpackage" from a Chinese page), where
    /// the identifiers are the only words the two have in common.
    /// `sources` are the sources' ``units(_:)``.
    static func identifierSource(_ units: Set<String>, in sources: [Set<String>]) -> Int? {
        let identifiers = units.filter { u in
            u.contains("_") || u.contains("-") || (u.contains(where: \.isNumber) && u.contains(where: \.isLetter))
        }
        guard !identifiers.isEmpty else { return nil }
        let scores = weightedScores(identifiers, in: sources)
        guard let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] > 0,
              scores.filter({ $0 == scores[best] }).count == 1 else { return nil }
        return best + 1
    }

    /// How much of `units` each of `sources` (their ``units(_:)``) holds: every unit it contains counts
    /// log(1 + sources / sources containing it), so a unit only one source has outweighs one that all have.
    static func weightedScores(_ units: Set<String>, in sources: [Set<String>]) -> [Double] {
        var frequency: [String: Int] = [:]
        for unit in units {
            let count = sources.reduce(0) { $0 + ($1.contains(unit) ? 1 : 0) }
            if count > 0 { frequency[unit] = count }
        }
        let total = Double(sources.count)
        return sources.map { source in
            frequency.reduce(0.0) { sum, entry in source.contains(entry.key) ? sum + log(1 + total / Double(entry.value)) : sum }
        }
    }

    /// The text of `answer` without its `[n]` markers (each replaced by a space).
    static func withoutMarkers(_ answer: String) -> String {
        citationPattern.stringByReplacingMatches(in: answer, range: NSRange(location: 0, length: (answer as NSString).length),
                                                 withTemplate: " ")
    }

    /// The source numbers an answer's `[n]` markers name (`[1]`, `[2, 3]`, `[1，2]`).
    static func citedNumbers(in answer: String) -> Set<Int> {
        var numbers: Set<Int> = []
        for match in citationPattern.matches(in: answer, range: NSRange(location: 0, length: (answer as NSString).length)) {
            let marker = (answer as NSString).substring(with: match.range)
            for piece in marker.split(whereSeparator: { !$0.isNumber }) { if let n = Int(piece) { numbers.insert(n) } }
        }
        return numbers
    }

    /// The share of an answer's words and character pairs a source must contain to be cited for it.
    static let minimumCoverage = 0.35

    // Compiled once (fixed, valid patterns).
    private static let citationPattern = try! NSRegularExpression(pattern: #"\[(\d+)(?:\s*[,，、]\s*\d+)*\]"#)
    private static let namedSourcePattern = try! NSRegularExpression(
        pattern: #"(?:资料|来源|参考资料|source)\s*(?:编号|#|no\.?)?\s*[:：]?\s*[(（【]?(\d{1,2})"#, options: [.caseInsensitive])

    /// Whether `answer` has a `[n]` (or `[n, m]`) for one of the `count` sources.
    static func cites(_ answer: String, count: Int) -> Bool {
        let ns = answer as NSString
        return citationPattern.matches(in: answer, range: NSRange(location: 0, length: ns.length)).contains { match in
            Int(ns.substring(with: match.range(at: 1))).map { (1...count).contains($0) } ?? false
        }
    }

    /// A source named in words: "资料编号：2", "资料 2", "来源2", "source 3", "Source #1".
    static func namedSource(_ answer: String, count: Int) -> Int? {
        let ns = answer as NSString
        for match in namedSourcePattern.matches(in: answer, range: NSRange(location: 0, length: ns.length)) {
            if let n = Int(ns.substring(with: match.range(at: 1))), (1...count).contains(n) { return n }
        }
        return nil
    }

    /// An answer's comparable pieces: Latin words and numbers (lowercased, two characters or more) and pairs of
    /// adjacent CJK characters.
    static func units(_ text: String) -> Set<String> {
        var units: Set<String> = []
        var word = ""
        var previousCJK: Character?
        func flushWord() {
            if word.count >= 2 { units.insert(word.lowercased()) }
            word = ""
        }
        for ch in text {
            let isCJK = ch.unicodeScalars.first.map(\.isCJK) ?? false
            if isCJK {
                flushWord()
                if let p = previousCJK { units.insert(String([p, ch])) }
                previousCJK = ch
            } else {
                previousCJK = nil
                if ch.isLetter || ch.isNumber || ch == "_" || ch == "-" { word.append(ch) } else { flushWord() }
            }
        }
        flushWord()
        return units
    }
}
