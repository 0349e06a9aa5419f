import Foundation
import ZhikuCore

/// Picks the sentences of a passage that best match a question, for extractive answers (no language model):
/// sentences end at Chinese and Western sentence punctuation or line breaks; each is scored by the question terms
/// it contains (rarer terms in the passage weigh more), lightly normalised by length; the best are returned in
/// passage order.
public struct KeySentences: Sendable {
    public var tokenizer: any TextTokenizer

    public init(tokenizer: any TextTokenizer = MixedScriptTokenizer()) {
        self.tokenizer = tokenizer
    }

    /// The sentences of `text`, trimmed, empty ones dropped.
    public static func sentences(_ text: String) -> [String] {
        var result: [String] = [], current = ""
        let chars = Array(text)
        for (i, c) in chars.enumerated() {
            if c.isNewline {
                result.append(current)
                current = ""
                continue
            }
            current.append(c)
            let next = i + 1 < chars.count ? chars[i + 1] : " "
            if "。！？；!?".contains(c) || (".;".contains(c) && (next.isWhitespace)) {
                result.append(current)
                current = ""
            }
        }
        result.append(current)
        return result.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The chosen sentences of one passage and how well the best of them matched.
    public struct Pick: Sendable, Equatable {
        public var sentences: [String]
        public var score: Double
    }

    /// Up to `limit` sentences of `passage` that best match `question` (the best one, and others scoring at least
    /// half as well), in passage order; the first sentence when none shares a term with the question.
    public func best(_ passage: String, for question: String, limit: Int = 2) -> [String] {
        pick([passage], for: question, limit: limit)[0].sentences
    }

    /// ``best(_:for:limit:)`` for several passages at once, with term weights taken over all of them (a word every
    /// passage has counts little), so the scores compare across passages.
    public func pick(_ passages: [String], for question: String, limit: Int = 2) -> [Pick] {
        let queryTerms = Set(tokenizer.terms(question))
        let split = passages.map { Self.sentences($0).map { ($0, tokenizer.termCounts($0)) } }
        var frequency: [String: Int] = [:]
        for passage in split {
            for (_, terms) in passage { for term in terms.counts.keys where queryTerms.contains(term) { frequency[term, default: 0] += 1 } }
        }
        let n = Double(split.reduce(0) { $0 + $1.count })
        return split.map { sentences in
            guard !sentences.isEmpty else { return Pick(sentences: [], score: 0) }
            let scores = sentences.map { _, terms -> Double in
                let weight = terms.counts.keys.filter { queryTerms.contains($0) }
                    .reduce(0.0) { $0 + log(1 + n / Double(frequency[$1] ?? 1)) }
                return weight / (1 + log(1 + Double(terms.length) / 20))
            }
            let ranked = scores.indices.filter { scores[$0] > 0 }
                .sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            guard let top = ranked.first else { return Pick(sentences: [sentences[0].0], score: 0) }
            let chosen = ranked.prefix(max(1, limit)).filter { scores[$0] >= scores[top] / 2 }.sorted()
            return Pick(sentences: chosen.map { sentences[$0].0 }, score: scores[top])
        }
    }
}
