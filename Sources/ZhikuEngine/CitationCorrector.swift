import Foundation

/// Checks each `[n]` a model writes while its answer streams, against what the text before it says: small models
/// often cite the wrong number (the 1.5B model answered a question from source [1] word for word and wrote
/// "[2]"). A marker whose source shares clearly less of the claim than another source does is rewritten to that
/// source before it is shown. The claim is the text since the previous marker; what counts is the claim's words
/// and CJK character pairs found in each source (``CitationRepair/units(_:)``), each weighted by how few sources
/// contain it — the question's words, echoed in the answer and found in every source, decide nothing; the number
/// or name that only one source has decides.
public struct CitationCorrector {
    private let sources: [Set<String>]
    private var pending = ""        // text held back: a `[` that may start a marker
    private var claim = ""          // what the answer said since the last marker
    /// How many markers were rewritten (for tests and logs).
    public private(set) var corrections = 0

    /// A marker longer than this is not one (`[12, 3, 4]` fits).
    static let longestMarker = 16

    /// `sources` are the numbered sources' texts, [1] first.
    public init(sources: [String]) {
        self.sources = sources.map(CitationRepair.units)
    }

    /// Takes the next piece of the answer; returns the text that can be shown now (a possible marker is held back
    /// until it ends).
    public mutating func feed(_ piece: String) -> String {
        var out = ""
        for ch in piece {
            if pending.isEmpty {
                if ch == "[" { pending = "[" } else { out.append(ch); claim.append(ch) }
                continue
            }
            if ch == "]" {
                pending.append(ch)
                out += resolve(pending)
                pending = ""
                continue
            }
            if ch == "[" {  // what was held is no marker; a new one may start here
                out += pending; claim += pending
                pending = "["
                continue
            }
            pending.append(ch)
            let markerLike = (ch.isASCII && (ch.isNumber || ch == "," || ch == " ")) || ch == "，" || ch == "、"
            if !markerLike || pending.count > Self.longestMarker {
                out += pending; claim += pending
                pending = ""
            }
        }
        return out
    }

    /// The rest of the answer held back (an unfinished `[` at its end).
    public mutating func finish() -> String {
        defer { pending = "" }
        claim += pending
        return pending
    }

    /// A complete `[…]`: the marker with each number checked, or the text unchanged when it is no marker.
    private mutating func resolve(_ marker: String) -> String {
        let inner = marker.dropFirst().dropLast()
        let parts = inner.split(whereSeparator: { ",，、".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = parts.compactMap { Int($0) }
        guard !numbers.isEmpty, numbers.count == parts.count else {
            claim += marker
            return marker
        }
        let scores = self.scores()
        let checked = numbers.map { Self.check($0, scores: scores) }
        defer { claim = "" }
        guard checked != numbers else { return marker }
        corrections += 1
        var seen = Set<Int>()
        return "[" + checked.filter { seen.insert($0).inserted }.map(String.init).joined(separator: ", ") + "]"
    }

    /// How much of the current claim each source holds: the claim's units found in it, each weighted by how few
    /// sources have it. Nil when the claim is too short to judge (under four units) or there are no sources.
    func scores() -> [Double]? {
        let units = CitationRepair.units(claim)
        guard units.count >= 4, !sources.isEmpty else { return nil }
        return CitationRepair.weightedScores(units, in: sources)
    }

    /// The source to cite in place of `n`, given each source's `scores` for the claim: `n` itself unless another
    /// source holds clearly more of it (more than 1.5 times the weight), or `n` names no source.
    static func check(_ n: Int, scores: [Double]?) -> Int {
        guard let scores, let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] > 0 else { return n }
        guard (1...scores.count).contains(n) else { return best + 1 }
        return scores[n - 1] * 1.5 < scores[best] ? best + 1 : n
    }
}
