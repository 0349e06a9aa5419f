import Foundation

/// What a document says about itself: its title, author and dates, from the format's own metadata (PDF info,
/// Office core properties, EPUB package metadata). Each field is nil when the document does not say.
public struct DocumentMetadata: Sendable, Hashable, Codable {
    public var title: String?
    public var author: String?
    public var created: Date?
    public var modified: Date?

    public init(title: String? = nil, author: String? = nil, created: Date? = nil, modified: Date? = nil) {
        func clean(_ s: String?) -> String? {
            let t = s?.trimmingCharacters(in: .whitespacesAndNewlines)
            return t?.isEmpty == false ? t : nil
        }
        self.title = clean(title)
        self.author = clean(author)
        self.created = created
        self.modified = modified
    }

    /// True when the document said nothing.
    public var isEmpty: Bool { title == nil && author == nil && created == nil && modified == nil }
}
