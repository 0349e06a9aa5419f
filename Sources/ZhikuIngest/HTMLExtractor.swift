import ZhikuCore

/// Reads an HTML page as one page of text: visible text with block structure kept as line breaks, headings
/// recorded, entities decoded, and the contents of `script`, `style` and other non-text elements dropped.
public struct HTMLExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.html] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let html = try file.readText()
        let page = HTMLText.convert(html)
        progress(.init(pagesDone: 1, pagesTotal: 1))
        return ExtractedDocument(pages: [page])
    }
}

/// The HTML-to-text conversion, a small forgiving scanner (no DOM).
enum HTMLText {
    /// Elements whose content is never text a reader sees.
    static let skipped: Set<String> = [
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "select", "head-meta",
    ]
    /// Elements that start a new paragraph.
    static let paragraphs: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "pre", "table",
        "ul", "ol", "dl", "form", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "title", "hr",
        "address", "details", "summary", "fieldset",
    ]
    /// Elements that start a new line.
    static let lines: Set<String> = ["br", "li", "tr", "dt", "dd", "caption", "option"]
    /// Elements separated by a space from their neighbours.
    static let cells: Set<String> = ["td", "th"]

    /// The page's text; `withTitle: false` leaves out the `<title>` (an EPUB chapter's title repeats its heading).
    static func convert(_ html: String, withTitle: Bool = true) -> ExtractedPage {
        var scanner = Scanner(Array(html.unicodeScalars))
        scanner.skippedHere = withTitle ? HTMLText.skipped : HTMLText.skipped.union(["title"])
        return scanner.run()
    }

    struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        var out: [Unicode.Scalar] = []
        var pendingBreak = 0      // newlines owed before the next visible character
        var pendingSpace = false
        var preDepth = 0
        var headings: [Heading] = []
        var openHeading: (level: Int, start: Int?)? = nil
        /// Elements whose content is left out (``HTMLText/skipped``, perhaps with `title`).
        var skippedHere = HTMLText.skipped

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        mutating func run() -> ExtractedPage {
            while i < s.count {
                if s[i] == "<" {
                    if matches("<!--") {
                        skip(past: "-->")
                    } else if matches("<![CDATA[") {
                        let start = i + 9
                        skip(past: "]]>")
                        for c in s[start..<max(start, i - 3)] { emit(c) }
                    } else if i + 1 < s.count, s[i + 1] == "!" || s[i + 1] == "?" {
                        skip(past: ">")
                    } else if i + 1 < s.count, s[i + 1] == "/" || s[i + 1].properties.isAlphabetic {
                        tag()
                    } else {
                        emit(s[i])
                        i += 1
                    }
                } else if s[i] == "&" {
                    entity()
                } else {
                    emit(s[i])
                    i += 1
                }
            }
            closeHeading()
            var text = String.UnicodeScalarView()
            text.append(contentsOf: out)
            return ExtractedPage(number: 1, text: String(text), headings: headings)
        }

        // MARK: Output

        mutating func emit(_ c: Unicode.Scalar) {
            if preDepth == 0 && c.properties.isWhitespace {
                if !out.isEmpty { pendingSpace = true }
                return
            }
            if c == "\n" { // inside <pre>
                out.append(c)
                return
            }
            if !out.isEmpty {
                if pendingBreak > 0 {
                    while let last = out.last, last == " " { out.removeLast() }
                    var trailing = 0
                    for ch in out.reversed() { if ch == "\n" { trailing += 1 } else { break } }
                    for _ in trailing..<max(trailing, pendingBreak) { out.append("\n") }
                } else if pendingSpace, let last = out.last, last != "\n", last != " " {
                    out.append(" ")
                }
            }
            pendingBreak = 0
            pendingSpace = false
            if let heading = openHeading, heading.start == nil { openHeading?.start = out.count }
            out.append(c)
        }

        mutating func blockBreak(_ n: Int) {
            pendingBreak = max(pendingBreak, n)
        }

        mutating func closeHeading() {
            guard let heading = openHeading else { return }
            openHeading = nil
            guard let start = heading.start, start < out.count else { return }
            var title = String.UnicodeScalarView()
            title.append(contentsOf: out[start...])
            let trimmed = String(title).trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { headings.append(Heading(level: heading.level, title: trimmed, offset: start)) }
        }

        // MARK: Markup

        func matches(_ literal: String, at position: Int? = nil, caseInsensitive: Bool = false) -> Bool {
            var j = position ?? i
            for c in literal.unicodeScalars {
                guard j < s.count else { return false }
                let a = caseInsensitive ? lower(s[j]) : s[j]
                if a != c { return false }
                j += 1
            }
            return true
        }

        mutating func skip(past literal: String) {
            while i < s.count && !matches(literal) { i += 1 }
            i = min(s.count, i + literal.unicodeScalars.count)
        }

        mutating func tag() {
            i += 1
            let closing = s[i] == "/"
            if closing { i += 1 }
            var name = String.UnicodeScalarView()
            while i < s.count, s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || s[i] == "-" {
                name.append(lower(s[i]))
                i += 1
            }
            // Attributes: skip to the closing '>' respecting quotes.
            var quote: Unicode.Scalar? = nil
            while i < s.count {
                let c = s[i]
                i += 1
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == ">" {
                    break
                }
            }
            handle(String(name), closing: closing)
        }

        mutating func handle(_ name: String, closing: Bool) {
            if !closing && skippedHere.contains(name) {
                // Drop everything up to the matching end tag.
                while i < s.count {
                    if s[i] == "<", matches("</" + name, caseInsensitive: true) {
                        skip(past: ">")
                        return
                    }
                    i += 1
                }
                return
            }
            if name == "pre" { preDepth = max(0, preDepth + (closing ? -1 : 1)) }
            if name.count == 2, name.first == "h", let level = Int(String(name.last!)), (1...6).contains(level) {
                if closing {
                    closeHeading()
                } else {
                    closeHeading()
                    blockBreak(2)
                    openHeading = (level, nil)
                }
                blockBreak(2)
                return
            }
            if HTMLText.paragraphs.contains(name) {
                blockBreak(2)
            } else if HTMLText.lines.contains(name) {
                blockBreak(1)
            } else if HTMLText.cells.contains(name) {
                if !out.isEmpty { pendingSpace = true }
            }
        }

        // MARK: Entities

        mutating func entity() {
            var j = i + 1
            var name = String.UnicodeScalarView()
            while j < s.count, j - i <= 32, s[j] != ";", s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) || s[j] == "#" {
                name.append(s[j])
                j += 1
            }
            let key = String(name)
            var decoded: Unicode.Scalar? = nil
            if key.hasPrefix("#x") || key.hasPrefix("#X") {
                decoded = UInt32(key.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if key.hasPrefix("#") {
                decoded = UInt32(key.dropFirst()).flatMap(Unicode.Scalar.init)
            } else {
                decoded = Self.entities[key]
            }
            guard let decoded else {
                emit("&")
                i += 1
                return
            }
            emit(decoded)
            i = (j < s.count && s[j] == ";") ? j + 1 : j
        }

        static let entities: [String: Unicode.Scalar] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
            "trade": "™", "mdash": "—", "ndash": "–", "hellip": "…", "laquo": "«", "raquo": "»", "ldquo": "“",
            "rdquo": "”", "lsquo": "‘", "rsquo": "’", "middot": "·", "bull": "•", "times": "×", "divide": "÷",
            "yen": "¥", "euro": "€", "pound": "£", "cent": "¢", "deg": "°", "plusmn": "±", "para": "¶",
            "sect": "§", "emsp": "\u{2003}", "ensp": "\u{2002}", "thinsp": "\u{2009}", "zwnj": "\u{200C}",
            "zwj": "\u{200D}", "shy": "\u{AD}",
        ]
    }
}

private func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
    ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c
}
