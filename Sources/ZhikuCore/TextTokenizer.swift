/// Turns text into the terms a keyword index stores and queries.
public protocol TextTokenizer: Sendable {
    /// A stable name, recorded with an index so a changed tokenizer is noticed.
    var name: String { get }
    /// The terms of `text`, in order, with repeats.
    func terms(_ text: String) -> [String]
}

extension TextTokenizer {
    /// How often each term occurs in `text`, and how many terms it has in all (its BM25 length).
    public func termCounts(_ text: String) -> (counts: [String: Int], length: Int) {
        let all = terms(text)
        var counts: [String: Int] = [:]
        for t in all { counts[t, default: 0] += 1 }
        return (counts, all.count)
    }
}
