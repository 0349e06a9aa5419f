import Foundation
import ZhikuCore

/// Reads Markdown as one page, keeping the source text and recording ATX (`# Title`) and setext headings
/// outside fenced code blocks.
public struct MarkdownExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.markdown] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let text = try file.readText()
        progress(.init(pagesDone: 1, pagesTotal: 1))
        return ExtractedDocument(pages: [ExtractedPage(number: 1, text: text, headings: Self.headings(in: text))])
    }

    /// Headings with their code-point offsets.
    static func headings(in text: String) -> [Heading] {
        var headings: [Heading] = []
        var offset = 0
        var inFence = false
        var previous: (line: Substring, offset: Int)? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
            } else if !inFence {
                let hashes = trimmed.prefix(while: { $0 == "#" }).count
                if (1...6).contains(hashes), trimmed.dropFirst(hashes).first.map({ $0 == " " || $0 == "\t" }) ?? true {
                    let title = trimmed.dropFirst(hashes).trimmingCharacters(in: .whitespaces)
                        .replacing(/\s+#+\s*$/, with: "")
                    if !title.isEmpty { headings.append(Heading(level: hashes, title: title, offset: offset)) }
                } else if let prev = previous, !prev.line.trimmingCharacters(in: .whitespaces).isEmpty,
                          !trimmed.isEmpty, trimmed.allSatisfy({ $0 == "=" || $0 == "-" || $0 == " " }),
                          trimmed.trimmingCharacters(in: .whitespaces).count >= 2,
                          Set(trimmed.filter { $0 != " " }).count == 1 {
                    let level = trimmed.first == "=" ? 1 : 2
                    headings.append(Heading(level: level, title: prev.line.trimmingCharacters(in: .whitespaces),
                                            offset: prev.offset))
                }
            }
            previous = (line, offset)
            offset += line.unicodeScalars.count + 1
        }
        return headings
    }
}
