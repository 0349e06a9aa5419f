import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Documents the tests generate themselves.
public enum TestDocuments {
    /// A minimal valid PDF with one text line per entry of each page, in Helvetica (ASCII text only), and an
    /// outline (bookmarks) of top-level entries (title, 1-based page), each with its children.
    public static func pdf(pages: [[String]], outline: [(title: String, page: Int, children: [(title: String, page: Int)])] = []) -> [UInt8] {
        mixedPDF(pages.map { .text($0) }, outline: outline)
    }

    /// A page of ``mixedPDF(_:)``: a text layer, or a scan (a JPEG drawn over the whole page, no text layer).
    public enum Page {
        case text([String])
        case scan(jpeg: [UInt8], dpi: Int)
    }

    /// A PDF mixing text pages (Helvetica text layer) and scanned pages (image only).
    public static func mixedPDF(_ pages: [Page], outline: [(title: String, page: Int, children: [(title: String, page: Int)])] = []) -> [UInt8] {
        var objects: [[UInt8]] = []
        func add(_ text: String) { objects.append(Array(text.utf8)) }
        // 1: catalog, 2: pages, 3: font, then per page: page, content stream, image (scans only; text pages an
        // empty placeholder object so numbering stays regular); then the outline.
        let kids = (0..<pages.count).map { "\(4 + $0 * 3) 0 R" }.joined(separator: " ")
        let outlineRoot = 4 + pages.count * 3
        add("<< /Type /Catalog /Pages 2 0 R\(outline.isEmpty ? "" : " /Outlines \(outlineRoot) 0 R") >>")
        add("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        for (index, page) in pages.enumerated() {
            let page0 = 4 + index * 3
            switch page {
            case .text(let lines):
                var content = "BT /F1 12 Tf 14 TL 72 720 Td\n"
                for line in lines {
                    let escaped = line.replacingOccurrences(of: "\\", with: "\\\\")
                        .replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
                    content += "(\(escaped)) Tj T*\n"
                }
                content += "ET"
                add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents \(page0 + 1) 0 R >>")
                add("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
                add("null")
            case .scan(let jpeg, let dpi):
                let (width, height, components) = jpegSize(jpeg)
                let w = Double(width) * 72 / Double(dpi), h = Double(height) * 72 / Double(dpi)
                let content = String(format: "q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q", w, h)
                add(String(format: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] ", w, h)
                    + "/Resources << /XObject << /Im1 \(page0 + 2) 0 R >> >> /Contents \(page0 + 1) 0 R >>")
                add("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
                objects.append(Array("<< /Type /XObject /Subtype /Image /Width \(width) /Height \(height) ".utf8)
                               + Array("/ColorSpace /\(components == 1 ? "DeviceGray" : "DeviceRGB") /BitsPerComponent 8 ".utf8)
                               + Array("/Filter /DCTDecode /Length \(jpeg.count) >>\nstream\n".utf8) + jpeg
                               + Array("\nendstream".utf8))
            }
        }
        if !outline.isEmpty {
            // The root, then each entry followed by its children, linked as siblings and to their parents.
            var numbers: [(Int, [Int])] = []
            var next = outlineRoot + 1
            for entry in outline {
                let own = next
                next += 1
                numbers.append((own, entry.children.indices.map { next + $0 }))
                next += entry.children.count
            }
            func item(_ title: String, page: Int, parent: Int, prev: Int?, next: Int?, children: [Int]) -> String {
                var dict = "<< /Title (\(title)) /Parent \(parent) 0 R /Dest [\(4 + (page - 1) * 3) 0 R /XYZ 0 792 0]"
                if let prev { dict += " /Prev \(prev) 0 R" }
                if let next { dict += " /Next \(next) 0 R" }
                if let first = children.first, let last = children.last { dict += " /First \(first) 0 R /Last \(last) 0 R /Count \(children.count)" }
                return dict + " >>"
            }
            add("<< /Type /Outlines /First \(numbers[0].0) 0 R /Last \(numbers[numbers.count - 1].0) 0 R /Count \(outline.count) >>")
            for (i, entry) in outline.enumerated() {
                add(item(entry.title, page: entry.page, parent: outlineRoot, prev: i > 0 ? numbers[i - 1].0 : nil,
                         next: i + 1 < numbers.count ? numbers[i + 1].0 : nil, children: numbers[i].1))
                for (j, child) in entry.children.enumerated() {
                    let siblings = numbers[i].1
                    add(item(child.title, page: child.page, parent: numbers[i].0, prev: j > 0 ? siblings[j - 1] : nil,
                             next: j + 1 < siblings.count ? siblings[j + 1] : nil, children: []))
                }
            }
        }
        var out = Array("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        let xref = out.count
        var tail = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { tail += String(format: "%010d 00000 n \n", o) }
        tail += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(tail.utf8)
    }

    /// A one-page PDF (Helvetica text layer, US Letter) with a paragraph line, a bordered table and another line:
    /// `rows` of cells, each cell's lines stacked inside it (an empty array leaves it empty), columns `widths` points
    /// wide from x = 72, rows 20 points per line of their tallest cell from y = 640 down, every border drawn (0.8 pt).
    /// `ruled: false` draws no borders. The text layer puts each cell's lines one after the other, column by column
    /// within a row.
    public static func tablePDF(before: String, rows: [[[String]]], widths: [Double], after: String, ruled: Bool = true) -> [UInt8] {
        var content = "BT /F1 11 Tf 72 700 Td (\(before)) Tj ET\n"
        var y = 640.0
        var tops = [y]
        var text = ""
        for row in rows {
            let height = Double(max(1, row.map(\.count).max() ?? 1)) * 20
            var x = 72.0
            for (c, cell) in row.enumerated() {
                for (k, line) in cell.enumerated() {
                    text += String(format: "BT /F1 10 Tf %.1f %.1f Td ", x + 6, y - 14 - Double(k) * 20) + "(\(line)) Tj ET\n"
                }
                x += widths[c]
            }
            y -= height
            tops.append(y)
        }
        if ruled {
            content += "0.8 w\n"
            let right = 72 + widths.reduce(0, +)
            for top in tops { content += String(format: "72 %.1f m %.1f %.1f l S\n", top, right, top) }
            var x = 72.0
            for width in [0] + widths {
                x += width
                content += String(format: "%.1f %.1f m %.1f %.1f l S\n", x, tops.first!, x, tops.last!)
            }
        }
        content += text + String(format: "BT /F1 11 Tf 72 %.1f Td ", y - 40) + "(\(after)) Tj ET"
        var objects: [String] = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        ]
        objects.append("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream")
        var out = Array("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        var tail = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { tail += String(format: "%010d 00000 n \n", o) }
        tail += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return out + Array(tail.utf8)
    }

    /// Width, height and colour components from a JPEG's start-of-frame marker.
    public static func jpegSize(_ b: [UInt8]) -> (Int, Int, Int) {
        var i = 2
        while i + 9 < b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (Int(b[i + 7]) << 8 | Int(b[i + 8]), Int(b[i + 5]) << 8 | Int(b[i + 6]), Int(b[i + 9]))
            }
            i += 2 + (Int(b[i + 2]) << 8 | Int(b[i + 3]))
        }
        return (0, 0, 1)
    }

    /// `text` encoded in `encoding` with glibc's iconv (e.g. "GBK", "GB18030", "UTF-16LE").
    public static func encode(_ text: String, as encoding: String) -> [UInt8] {
        let cd = iconv_open(encoding, "UTF-8")
        precondition(cd != iconv_t(bitPattern: -1), "iconv does not know \(encoding)")
        defer { iconv_close(cd) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 4 + 16)
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                precondition(r != -1, "iconv failed for \(encoding)")
                return outBuf.count - outLeft
            }
        }
        return output.prefix(produced).map { UInt8(bitPattern: $0) }
    }

    /// Deterministic pseudo-random bytes (binary junk).
    public static func junk(count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
