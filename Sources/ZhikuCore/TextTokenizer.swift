/// Turns text into the terms a keyword index stores and queries.
public protocol TextTokenizer: Sendable {
    /// A stable name, recorded with an index so a changed tokenizer is noticed.
    var name: String { get }
    /// The terms of `text`, in order, with repeats.
    func terms(_ text: String) -> [String]
}
