/// Cuts extracted text into chunks sized for embedding and for citing.
public protocol TextSplitter: Sendable {
    /// Splits one text; the returned drafts carry `page` and offsets relative to `text`.
    func split(_ text: String, page: Int) -> [ChunkDraft]
}

extension TextSplitter {
    /// Splits every page of a document; ordinals run across the whole document.
    public func split(_ document: ExtractedDocument) -> [ChunkDraft] {
        var drafts: [ChunkDraft] = []
        for page in document.pages {
            for var draft in split(page.text, page: page.number) {
                draft.ordinal = drafts.count
                drafts.append(draft)
            }
        }
        return drafts
    }
}
