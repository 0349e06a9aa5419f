import CPoppler
import Foundation
import ZhikuCore

/// Reads a PDF page by page with poppler (Debian's libpoppler-glib): the text layer where it is real, and OCR
/// where a page has none or only junk (a scan, a photo of a page): such a page is rendered at `dpi` and read
/// by `ocr`. A mixed document OCRs only its scanned pages.
///
/// Corrupt, truncated or password-protected files fail with a message from poppler.
public struct PopplerPDFExtractor: DocumentExtractor {
    /// Reads scanned pages; nil leaves them empty.
    public var ocr: (any OCREngine)?
    public var ocrLanguages: String
    public var dpi: Double
    /// Documents with more pages are refused before any page is read.
    public var maxPages: Int
    /// The most pixels one page is rendered to: a larger page (a poster, or a page whose size is a lie) is
    /// rendered at a lower resolution to fit, down to ``minimumDPI``; below that it is left unread.
    public var maxRenderPixels: Int
    /// Below this resolution OCR reads nothing useful.
    public static let minimumDPI = 100.0

    /// How many scanned pages are read at once (each engine call uses a core or more; pages wait their turn).
    public var ocrConcurrency = ProcessInfo.processInfo.activeProcessorCount

    /// Finds ruled tables on text-layer pages (nil: their text is taken as poppler lays it out, a table's cells
    /// running across its rows). A page with at least two long vertical rules (a cheap look at it drawn at 72 dpi)
    /// is drawn at ``tableDPI`` and given to the reader; the text-layer characters inside each table's cells are
    /// written as a Markdown table in place of the table's text.
    public var tables: (any TableReader)?
    /// The resolution text-layer pages are drawn at for ``tables``.
    public static let tableDPI = 150.0

    public init(ocr: (any OCREngine)? = nil, ocrLanguages: String = "chi_sim+eng", dpi: Double = 300, maxPages: Int = 5000,
                maxRenderPixels: Int = 40_000_000, tables: (any TableReader)? = nil) {
        self.ocr = ocr
        self.tables = tables
        self.ocrLanguages = ocrLanguages
        self.dpi = dpi
        self.maxPages = maxPages
        self.maxRenderPixels = maxRenderPixels
    }

    public var mediaTypes: Set<MediaType> { [.pdf] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let uri = file.url.absoluteURL.absoluteString
        var error: UnsafeMutablePointer<GError>? = nil
        guard let document = poppler_document_new_from_file(uri, nil, &error) else {
            var reason = "poppler could not open it"
            if let error {
                if let message = error.pointee.message { reason = String(cString: message) }
                g_error_free(error)
            }
            throw ZhikuError.extractionFailed("'\(file.name)' is not a readable PDF: \(reason)")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }

        let count = Int(poppler_document_get_n_pages(document))
        guard count > 0 else { throw ZhikuError.extractionFailed("'\(file.name)' has no pages") }
        guard count <= maxPages else {
            throw ZhikuError(.tooLarge, "'\(file.name)' has \(count) pages; the limit is \(maxPages) (ZHIKU_MAX_PDF_PAGES)")
        }
        // Pages are read and drawn one at a time (the document is not shared between threads); scanned pages go to
        // OCR side by side, up to `ocrConcurrency` at once (one per core), while the next pages are drawn.
        var done: [Int: ExtractedPage] = [:]
        // Pages finished, and of them pages read by OCR (counted when their reading comes back, not when sent).
        var read = 0, finished = 0
        try await withThrowingTaskGroup(of: (Int, ExtractedPage).self) { group in
            var inFlight = 0
            func collect() async throws {
                guard let (index, page) = try await group.next() else { return }
                inFlight -= 1
                done[index] = page
                finished += 1
                read += 1
                progress(.init(pagesDone: finished, pagesTotal: count, pagesOCRd: read))
            }
            for index in 0..<count {
                try Task.checkCancellation()
                // A page's text and drawing run on the compute threads (a page can take a core for a second).
                let (text, image) = try await ComputeThreads.shared.run { [self, handle = DocumentHandle(document)] in
                    var text = ""
                    var image: OCRImage?
                    if let page = poppler_document_get_page(handle.document, Int32(index)) {
                        var layer = ""
                        if let raw = poppler_page_get_text(page) {
                            layer = String(cString: raw)
                            g_free(raw)
                        }
                        text = Self.clean(layer)
                        if ocr != nil, !Self.hasRealText(text, page: page) {
                            image = render(page)
                        } else if let tables, !text.isEmpty, hasVerticalRules(page) {
                            // A table's failure leaves the page's text as it was.
                            text = Self.clean((try? withTables(page, layer: layer, reader: tables)) ?? layer)
                        }
                        g_object_unref(UnsafeMutableRawPointer(page))
                    }
                    return (text, image)
                }
                if let image, let ocr {
                    while inFlight >= max(1, ocrConcurrency) { try await collect() }
                    inFlight += 1
                    let languages = ocrLanguages
                    group.addTask { (index, ExtractedPage(number: index + 1, ocr: try await ocr.recognize(image, languages: languages))) }
                } else {
                    done[index] = ExtractedPage(number: index + 1, text: text)
                    finished += 1
                    progress(.init(pagesDone: finished, pagesTotal: count, pagesOCRd: read))
                }
            }
            while inFlight > 0 { try await collect() }
        }
        var pages = (0..<count).map { done[$0]! }
        // Running headers, footers and page numbers would begin or end many chunks with the same words.
        pages = RunningLines.strip(pages)
        Self.addOutline(Self.outline(of: document), to: &pages)
        return ExtractedDocument(pages: pages, metadata: Self.metadata(of: document))
    }

    /// The most outline entries read (a hostile file can hold millions).
    static let maximumOutlineEntries = 20_000

    /// The document's outline (its bookmarks): each entry's 1-based page, depth from 1, and title.
    static func outline(of document: OpaquePointer) -> [(page: Int, level: Int, title: String)] {
        var entries: [(page: Int, level: Int, title: String)] = []
        func walk(_ iterator: OpaquePointer, level: Int) {
            repeat {
                guard entries.count < maximumOutlineEntries else { return }
                if let action = poppler_index_iter_get_action(iterator) {
                    if action.pointee.type == POPPLER_ACTION_GOTO_DEST, let title = action.pointee.goto_dest.title,
                       let dest = action.pointee.goto_dest.dest {
                        var page = Int(dest.pointee.page_num)
                        if dest.pointee.type == POPPLER_DEST_NAMED, let name = dest.pointee.named_dest,
                           let found = poppler_document_find_dest(document, name) {
                            page = Int(found.pointee.page_num)
                            poppler_dest_free(found)
                        }
                        if page > 0 { entries.append((page, level, String(cString: title))) }
                    }
                    poppler_action_free(action)
                }
                if level < 9, let child = poppler_index_iter_get_child(iterator) {
                    walk(child, level: level + 1)
                    poppler_index_iter_free(child)
                }
            } while poppler_index_iter_next(iterator) != 0
        }
        if let root = poppler_index_iter_new(document) {
            walk(root, level: 1)
            poppler_index_iter_free(root)
        }
        return entries
    }

    /// Outline entries as headings of their pages, at the first place the page's text shows the title (white
    /// space aside), or at the page's start.
    static func addOutline(_ entries: [(page: Int, level: Int, title: String)], to pages: inout [ExtractedPage]) {
        for entry in entries where entry.page <= pages.count {
            let title = entry.title.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard !title.isEmpty else { continue }
            let text = pages[entry.page - 1].text
            var offset = 0
            if let range = text.range(of: title) ?? text.range(of: title.replacingOccurrences(of: " ", with: "")) {
                offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: range.lowerBound)
            }
            pages[entry.page - 1].headings.append(Heading(level: entry.level, title: title, offset: offset))
        }
    }

    /// The document information dictionary's title, author and dates.
    private static func metadata(of document: OpaquePointer) -> DocumentMetadata {
        func text(_ raw: UnsafeMutablePointer<gchar>?) -> String? {
            guard let raw else { return nil }
            defer { g_free(raw) }
            return String(cString: raw)
        }
        func date(_ time: time_t) -> Date? { time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil }
        return DocumentMetadata(title: text(poppler_document_get_title(document)), author: text(poppler_document_get_author(document)),
                                created: date(poppler_document_get_creation_date(document)),
                                modified: date(poppler_document_get_modification_date(document)))
    }

    /// True when a page's text layer is real text: enough visible characters for the page's area (a scan with a
    /// stray OCR-less caption has a handful), and not mostly replacement or private-use characters (broken fonts).
    static func hasRealText(_ text: String, page: OpaquePointer) -> Bool {
        var width = 0.0, height = 0.0
        poppler_page_get_size(page, &width, &height)
        let visible = text.unicodeScalars.filter { !$0.properties.isWhitespace }
        let junk = visible.filter { $0 == "\u{FFFD}" || (0xE000...0xF8FF).contains($0.value) || $0.value < 0x20 }.count
        let area = max(1, width * height / (612 * 792))  // in US-letter pages
        return Double(visible.count) >= 20 * area && Double(junk) <= 0.3 * Double(visible.count)
    }

    /// The page drawn at `dpi` (less if it would exceed ``maxRenderPixels``) on white, as 8-bit gray; nil for a page
    /// that does not fit even at ``minimumDPI``.
    func render(_ page: OpaquePointer, dpi: Double? = nil) -> OCRImage? {
        let dpi = dpi ?? self.dpi
        var width = 0.0, height = 0.0
        poppler_page_get_size(page, &width, &height)
        guard width > 0, height > 0, width.isFinite, height.isFinite else { return nil }
        let pixelsAtDPI = width * height * (dpi / 72) * (dpi / 72)
        let resolution = pixelsAtDPI <= Double(maxRenderPixels) ? dpi : dpi * (Double(maxRenderPixels) / pixelsAtDPI).squareRoot()
        guard resolution >= min(dpi, Self.minimumDPI) else { return nil }
        let scale = resolution / 72
        let w = Int32((width * scale).rounded(.down)), h = Int32((height * scale).rounded(.down))
        guard w > 0, h > 0, Int(w) * Int(h) <= maxRenderPixels else { return nil }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h) else { return nil }
        defer { cairo_surface_destroy(surface) }
        guard let cr = cairo_create(surface) else { return nil }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_scale(cr, scale, scale)
        poppler_page_render(page, cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        var pixels = [UInt8](repeating: 255, count: Int(w) * Int(h))
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<Int(h) {
                let row = data + y * stride
                for x in 0..<Int(w) {
                    // RGB24: one 32-bit word per pixel, blue in the lowest byte (little-endian memory: B, G, R, x).
                    let b = UInt32(row[4 * x]), g = UInt32(row[4 * x + 1]), r = UInt32(row[4 * x + 2])
                    out[y * Int(w) + x] = UInt8((r * 299 + g * 587 + b * 114) / 1000)
                }
            }
        }
        return OCRImage(width: Int(w), height: Int(h), pixels: pixels, dpi: Int(resolution.rounded()))
    }

    /// Whether the page, drawn at 72 dpi, has at least two vertical runs of ink (at different places) each longer
    /// than a twenty-fifth of the page's height: the columns' rules of a bordered table (text does not stack ink
    /// that far down a page without gaps; a picture may, and only costs a look by the table reader).
    func hasVerticalRules(_ page: OpaquePointer) -> Bool {
        guard let image = render(page, dpi: 72) else { return false }
        let longest = max(24, image.height / 25)
        var ruled: [Int] = []
        for x in 0..<image.width {
            var run = 0
            for y in 0..<image.height {
                run = image.pixels[y * image.width + x] < 200 ? run + 1 : 0
                if run >= longest {
                    if ruled.last.map({ x - $0 > 3 }) ?? true { ruled.append(x) }
                    break
                }
            }
            if ruled.count >= 2 { return true }
        }
        return false
    }

    /// The page's text layer (`layer`, as poppler gives it) with each ruled table the reader finds written as a
    /// Markdown table where its first character was: characters whose centre lies in a cell go to that cell, in the
    /// layer's order; the rest of the page stays as it was. A table holding fewer than half the characters of its
    /// region in cells is left as text.
    func withTables(_ page: OpaquePointer, layer: String, reader: any TableReader) throws -> String {
        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var count: guint = 0
        guard poppler_page_get_text_layout(page, &rectangles, &count) != 0, let rectangles else { return layer }
        defer { g_free(rectangles) }
        let scalars = Array(layer.unicodeScalars)
        // The layout has one rectangle per character of the text (in points, from the top left).
        guard Int(count) == scalars.count, let image = render(page, dpi: Self.tableDPI), let dpi = image.dpi else { return layer }
        let scale = Float(dpi) / 72
        let centres: [(x: Float, y: Float)] = (0..<scalars.count).map { i in
            let r = rectangles[i]
            return (Float(r.x1 + r.x2) / 2 * scale, Float(r.y1 + r.y2) / 2 * scale)
        }
        let visible = scalars.indices.filter { !scalars[$0].properties.isWhitespace }
        let boxes = visible.map { i in
            let r = rectangles[i]
            return TableGrid.Box(x0: Float(min(r.x1, r.x2)) * scale, y0: Float(min(r.y1, r.y2)) * scale,
                                 x1: Float(max(r.x1, r.x2)) * scale, y1: Float(max(r.y1, r.y2)) * scale)
        }
        var tableOf = [Int?](repeating: nil, count: scalars.count)  // the table of each character put in a cell
        var tableText: [Int: String] = [:]  // table index → Markdown
        for (t, found) in try reader.tables(in: image, text: boxes).enumerated() {
            let region = found.region, grid = found.grid
            let inside = visible.filter { centres[$0].x >= region.x0 && centres[$0].x <= region.x1 && centres[$0].y >= region.y0 && centres[$0].y <= region.y1 }
            var members = [[Int]](repeating: [], count: grid.cells.count)
            for i in inside {
                if let holder = grid.cell(containingX: centres[i].x, y: centres[i].y) { members[holder].append(i) }
            }
            let placed = members.reduce(0) { $0 + $1.count }
            guard placed > 0, placed * 2 >= inside.count else { continue }
            // A cell's text: its characters in the layer's order, a space where the layer breaks a line between them.
            let texts = members.map { indices -> String in
                var text = String.UnicodeScalarView()
                for (k, i) in indices.enumerated() {
                    if k > 0, (indices[k - 1] + 1..<i).contains(where: { scalars[$0].properties.isWhitespace }) { text.append(" ") }
                    text.append(scalars[i])
                }
                return String(text)
            }
            guard let markdown = grid.markdown(texts) else { continue }
            tableText[t] = markdown
            for i in members.joined() { tableOf[i] = t }
        }
        guard !tableText.isEmpty else { return layer }
        // The text again: a table's Markdown where its first character was, its characters (and the spaces and line
        // breaks between two of them) left out.
        var out = String.UnicodeScalarView()
        var written = Set<Int>()
        var previousTable: Int?
        for (i, scalar) in scalars.enumerated() {
            if let t = tableOf[i] {
                if written.insert(t).inserted { out.append(contentsOf: "\n\n\(tableText[t]!)\n\n".unicodeScalars) }
                previousTable = t
                continue
            }
            if scalar.properties.isWhitespace, let t = previousTable,
               let next = scalars.indices[(i + 1)...].first(where: { !scalars[$0].properties.isWhitespace }),
               tableOf[next] == t {
                continue
            }
            previousTable = scalar.properties.isWhitespace ? previousTable : nil
            out.append(scalar)
        }
        return String(out).replacingOccurrences(of: "\n\n\n+", with: "\n\n", options: .regularExpression)
    }

    /// Normalises line endings and drops the form feeds and NULs some producers leave in text layers.
    static func clean(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\u{0C}", with: "\n")
            .replacingOccurrences(of: "\u{0}", with: "")
    }
}

/// An open poppler document handed to the compute threads (used by one page at a time, never concurrently).
private struct DocumentHandle: @unchecked Sendable {
    let document: OpaquePointer
    init(_ document: OpaquePointer) { self.document = document }
}
