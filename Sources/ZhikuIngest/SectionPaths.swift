import ZhikuCore

/// The heading path at any point of a document: headings nest by level and carry over from page to page (a
/// section that starts on page 3 goes on until a heading of its level or above). Chunks get the path in force
/// where they start.
struct SectionPaths {
    /// Per page: the path at the page's start, then each heading's offset with the path from there on.
    private var byPage: [Int: (start: [Heading], marks: [(offset: Int, path: [Heading])])] = [:]

    /// The longest path kept, in characters (the outermost headings go first).
    static let maximumLength = 200

    init(_ document: ExtractedDocument) {
        var stack: [Heading] = []
        for page in document.pages {
            let start = stack
            var marks: [(Int, [Heading])] = []
            for heading in page.headings.sorted(by: { $0.offset < $1.offset }) {
                while let last = stack.last, last.level >= heading.level { stack.removeLast() }
                stack.append(heading)
                marks.append((heading.offset, stack))
            }
            byPage[page.number] = (start, marks)
        }
    }

    /// The path at `offset` of page `page`, joined by " › " (nil outside any heading).
    func path(page: Int, offset: Int) -> String? {
        guard let entry = byPage[page] else { return nil }
        let path = entry.marks.last { $0.offset <= offset }?.path ?? entry.start
        var titles = path.map { $0.title.split(whereSeparator: \.isNewline).joined(separator: " ") }
        while titles.count > 1, titles.joined(separator: " › ").count > Self.maximumLength { titles.removeFirst() }
        guard let joined = titles.isEmpty ? nil : titles.joined(separator: " › ") else { return nil }
        return String(joined.prefix(Self.maximumLength))
    }
}
