import Foundation
import ZhikuCore

/// Puts the lines an engine found into reading order and one text: the page's skew is estimated from the lines'
/// own slopes (a weighted median), lines are grouped into rows by their straightened centres, rows run top to
/// bottom and the pieces of a row left to right, joined by a space. Each line is split into words (Latin words at
/// spaces, each Chinese character on its own) with boxes from where its characters sit along the line.
///
/// With the page's layout regions (``LayoutDetector``): each line belongs to the most confident region holding its
/// centre; lines of running headers and footers (regions in the top or bottom eighth of the page) are left out;
/// regions — and lines outside any — are ordered by cutting the straightened page (boxes from their lines, the
/// skew taken out) recursively into columns where a vertical gap runs through everything, else into bands where a
/// horizontal one does (so two columns are read one after the other, and a full-width title or figure between them
/// stays in its place); regions are separated by a blank line;
/// a table region whose lines fall into at least two rows and two columns becomes a Markdown table. A ruled table
/// whose cells were found from its rules (``TableGrid``) is written cell by cell instead: each line goes to the cell
/// holding its centre, a cell spanning several rows is repeated in each (so every row reads whole on its own), one
/// spanning several columns is written in the first; lines of the region outside the grid (a caption) are written
/// as lines before or after the table.
enum OCRTextLayout {
    /// A line placed on the straightened page.
    struct Placed {
        var index: Int
        var y: Float
        var x: Float
        var height: Float
        /// The line's extent on the straightened page.
        var right: Float = 0, top: Float = 0, bottom: Float = 0
    }

    /// Lines that are read together: a region's, or one line outside every region.
    struct Block {
        var lines: [Placed]
        var kind: LayoutDetector.Kind?
        var x0: Float, y0: Float, x1: Float, y1: Float
        /// The cells of a ruled table region.
        var grid: TableGrid?
    }

    static func text(of lines: [PaddleOCR.Line], engine: String, regions: [LayoutDetector.Region] = [],
                     grids: [Int: TableGrid] = [:], pageHeight: Float? = nil) -> OCRText {
        guard !lines.isEmpty else { return OCRText(text: "", words: [], confidence: 0, engine: engine) }
        // Skew: median slope of the lines' top edges, weighted by length.
        var slopes: [(angle: Float, weight: Float)] = []
        for line in lines {
            let dx = line.quad[1].x - line.quad[0].x, dy = line.quad[1].y - line.quad[0].y
            let length = (dx * dx + dy * dy).squareRoot()
            if length > 0 { slopes.append((atan2(dy, dx), length)) }
        }
        var angle: Float = 0
        let total = slopes.map(\.weight).reduce(0, +)
        var running: Float = 0
        for slope in slopes.sorted(by: { $0.angle < $1.angle }) {
            running += slope.weight
            if running >= total / 2 { angle = slope.angle; break }
        }
        // A page whose lines mostly read upside down is ordered as the turned page reads (its regions, found on the
        // page as it lies, are not used).
        let upsideDown = lines.filter(\.turned).count * 2 > lines.count
        let c = cos(-angle), s = sin(-angle)
        let flip: Float = upsideDown ? -1 : 1
        let placed: [Placed] = lines.enumerated().map { index, line in
            let cx = line.quad.map(\.x).reduce(0, +) / 4, cy = line.quad.map(\.y).reduce(0, +) / 4
            let height = max(1, (TextBoxDetector.distance(line.quad[0], line.quad[3]) + TextBoxDetector.distance(line.quad[1], line.quad[2])) / 2)
            let xs = line.quad.map { flip * ($0.x * c - $0.y * s) }, ys = line.quad.map { flip * ($0.x * s + $0.y * c) }
            return Placed(index: index, y: flip * (cx * s + cy * c), x: xs.min() ?? 0, height: height,
                          right: xs.max() ?? 0, top: ys.min() ?? 0, bottom: ys.max() ?? 0)
        }
        let blocks = upsideDown || regions.isEmpty
            ? [Block(lines: placed, kind: nil, x0: 0, y0: 0, x1: 0, y1: 0)]
            : orderedBlocks(lines: lines, placed: placed, regions: regions, grids: grids,
                            pageHeight: pageHeight ?? (lines.flatMap { $0.quad.map(\.y) }.max() ?? 0))

        var text = ""
        var words: [OCRText.Word] = []
        var confidence: Float = 0, kept = 0
        var written = Set<Int>()
        for (b, block) in blocks.enumerated() {
            // A block is written as pieces separated by blank lines: plain rows, or a Markdown table's cells.
            var pieces: [(rows: [[[Placed]]], isTable: Bool)] = []
            if let grid = block.grid, let filled = gridCells(block.lines, grid: grid, lines: lines) {
                pieces = [(Self.rows(filled.above).map { $0.map { [$0] } }, false), (filled.cells, true),
                          (Self.rows(filled.below).map { $0.map { [$0] } }, false)].filter { !$0.rows.isEmpty }
            } else if block.kind == .table, let table = tableCells(tableRows(block.lines)) {
                pieces = [(table, true)]
            } else {
                pieces = [(Self.rows(block.lines).map { $0.map { [$0] } }, false)]
            }
            for (p, piece) in pieces.enumerated() {
                if b > 0 || p > 0 { text += "\n\n" }
                let isTable = piece.isTable
                for (r, row) in piece.rows.enumerated() {
                    if r > 0 { text += "\n" }
                    if isTable { text += "| " }
                    for (i, cell) in row.enumerated() {
                        if i > 0 { text += isTable ? " | " : " " }
                        for (j, item) in cell.enumerated() {
                            let line = lines[item.index]
                            if j > 0 { text += " " }
                            text += isTable ? line.text.replacingOccurrences(of: "|", with: "\\|") : line.text
                            // A line repeated in a row-spanning cell gives its words and confidence once.
                            guard written.insert(item.index).inserted else { continue }
                            words += self.words(of: line)
                            confidence += line.confidence
                            kept += 1
                        }
                    }
                    if isTable {
                        text += " |"
                        if r == 0 { text += "\n|" + String(repeating: " --- |", count: row.count) }
                    }
                }
            }
        }
        var result = OCRText(text: text, words: words, confidence: kept > 0 ? Double(confidence / Float(kept) * 100) : 0,
                             engine: engine)
        result.placeWords()
        return result
    }

    /// Lines grouped into rows by their straightened centres, top to bottom, each row left to right.
    static func rows(_ placed: [Placed]) -> [[Placed]] {
        var rows: [[Placed]] = []
        for item in placed.sorted(by: { $0.y < $1.y }) {
            if let row = rows.last {
                let rowY = row.map(\.y).reduce(0, +) / Float(row.count)
                let rowHeight = row.map(\.height).min() ?? item.height
                if abs(item.y - rowY) < 0.5 * min(rowHeight, item.height) {
                    rows[rows.count - 1].append(item)
                    continue
                }
            }
            rows.append([item])
        }
        return rows.map { $0.sorted { $0.x < $1.x } }
    }

    /// A table's rows: lines whose vertical extents overlap by a quarter of the smaller height share a row, so a
    /// cell wrapped over two lines and its neighbours centred beside them are one row.
    static func tableRows(_ placed: [Placed]) -> [[Placed]] {
        var rows: [(top: Float, bottom: Float, items: [Placed])] = []
        for item in placed.sorted(by: { $0.y - $0.height / 2 < $1.y - $1.height / 2 }) {
            let top = item.y - item.height / 2, bottom = item.y + item.height / 2
            if let last = rows.last, min(bottom, last.bottom) - max(top, last.top) > 0.25 * min(item.height, last.bottom - last.top) {
                rows[rows.count - 1].items.append(item)
                rows[rows.count - 1].bottom = max(last.bottom, bottom)
                continue
            }
            rows.append((top, bottom, [item]))
        }
        return rows.map { $0.items.sorted { $0.x < $1.x } }
    }

    /// The lines grouped by region and the groups put in reading order (see the type's comment); header and
    /// footer lines are left out.
    static func orderedBlocks(lines: [PaddleOCR.Line], placed: [Placed], regions: [LayoutDetector.Region],
                              grids: [Int: TableGrid] = [:], pageHeight: Float) -> [Block] {
        var members = [[Placed]](repeating: [], count: regions.count)
        var loose: [Block] = []
        for item in placed {
            let quad = lines[item.index].quad
            let cx = quad.map(\.x).reduce(0, +) / 4, cy = quad.map(\.y).reduce(0, +) / 4
            let holder = regions.indices
                .filter { cx >= regions[$0].x0 && cx <= regions[$0].x1 && cy >= regions[$0].y0 && cy <= regions[$0].y1 }
                .max { regions[$0].score < regions[$1].score }
            if let holder {
                members[holder].append(item)
            } else {
                loose.append(Block(lines: [item], kind: nil, x0: item.x, y0: item.top, x1: item.right, y1: item.bottom))
            }
        }
        var blocks = loose
        for (r, region) in regions.enumerated() where !members[r].isEmpty {
            let running = (region.kind == .header && region.y1 <= pageHeight / 8) || (region.kind == .footer && region.y0 >= pageHeight * 7 / 8)
            if running { continue }
            // The block's box is its lines' on the straightened page: a region's box on a skewed photo is the
            // upright box around a tilted block, taller than the block by its width times the skew, and would
            // overlap the title above it.
            let held = members[r]
            blocks.append(Block(lines: held, kind: region.kind, x0: held.map(\.x).min()!, y0: held.map(\.top).min()!,
                                x1: held.map(\.right).max()!, y1: held.map(\.bottom).max()!, grid: grids[r]))
        }
        return readingOrder(blocks)
    }

    /// Recursive cuts: columns where a vertical gap runs through all blocks, else bands where a horizontal one
    /// does, else top to bottom, left to right.
    static func readingOrder(_ blocks: [Block]) -> [Block] {
        guard blocks.count > 1 else { return blocks }
        func cut(_ low: (Block) -> Float, _ high: (Block) -> Float) -> [[Block]]? {
            let sorted = blocks.sorted { low($0) < low($1) }
            var groups: [[Block]] = [[sorted[0]]]
            var reach = high(sorted[0])
            for block in sorted.dropFirst() {
                if low(block) > reach { groups.append([block]) } else { groups[groups.count - 1].append(block) }
                reach = max(reach, high(block))
            }
            return groups.count > 1 ? groups : nil
        }
        if let columns = cut({ $0.x0 }, { $0.x1 }) { return columns.flatMap(readingOrder) }
        if let bands = cut({ $0.y0 }, { $0.y1 }) { return bands.flatMap(readingOrder) }
        return blocks.sorted { $0.y0 != $1.y0 ? $0.y0 < $1.y0 : $0.x0 < $1.x0 }
    }

    /// A table's rows cut into the same columns: columns start where the lines' left edges cluster, and each line
    /// goes to the last column starting before it. Nil for fewer than two rows or two columns, or when fewer than
    /// half the rows have two cells filled.
    static func tableCells(_ rows: [[Placed]]) -> [[[Placed]]]? {
        let items = rows.flatMap { $0 }
        guard rows.count > 1, items.count > 2 else { return nil }
        // Column starts: the lines' left edges (on the straightened page) clustered, a median line height apart.
        let tolerance = items.map(\.height).sorted()[items.count / 2]
        var columns: [Float] = []
        for x in items.map(\.x).sorted() where columns.last.map({ x - $0 > tolerance }) ?? true { columns.append(x) }
        guard columns.count > 1 else { return nil }
        let grid = rows.map { row in
            var cells = [[Placed]](repeating: [], count: columns.count)
            for item in row {
                let column = columns.lastIndex { $0 <= item.x + tolerance } ?? 0
                cells[column].append(item)
            }
            return cells.map { $0.sorted { $0.y < $1.y } }  // a wrapped cell's lines top to bottom
        }
        // A table has cells side by side in most rows; a listing with indented lines (which the layout model may
        // call a table) has one piece per row.
        let filled = grid.filter { $0.filter { !$0.isEmpty }.count >= 2 }.count
        return filled * 2 >= grid.count ? grid : nil
    }

    /// A ruled table's lines put into its cells: `cells` holds the grid's rows (those with any text), each with one
    /// entry per column; lines outside every cell go `above` the table when their centre is above its top, else
    /// `below`. Nil when fewer than half the lines fall inside cells (the grid does not fit the text).
    static func gridCells(_ placed: [Placed], grid: TableGrid, lines: [PaddleOCR.Line])
        -> (cells: [[[Placed]]], above: [Placed], below: [Placed])? {
        var members = [[Placed]](repeating: [], count: grid.cells.count)
        var above: [Placed] = [], below: [Placed] = []
        let top = grid.cells.map(\.y0).min() ?? 0
        for item in placed {
            let quad = lines[item.index].quad
            let cx = quad.map(\.x).reduce(0, +) / 4, cy = quad.map(\.y).reduce(0, +) / 4
            if let holder = grid.cell(containingX: cx, y: cy) { members[holder].append(item) } else if cy < top { above.append(item) } else { below.append(item) }
        }
        let inside = members.reduce(0) { $0 + $1.count }
        guard inside > 0, inside * 2 >= placed.count else { return nil }
        var table = [[[Placed]]](repeating: [[Placed]](repeating: [], count: grid.columns), count: grid.rows)
        for (c, cell) in grid.cells.enumerated() where !members[c].isEmpty {
            let ordered = tableRows(members[c]).flatMap { $0 }  // a wrapped cell's lines top to bottom
            for row in cell.row..<min(grid.rows, cell.row + cell.rowSpan) where cell.column < grid.columns {
                table[row][cell.column] = ordered
            }
        }
        let filled = table.filter { row in row.contains { !$0.isEmpty } }
        return (filled, above, below)
    }

    /// A line's words: runs of non-space characters, except that each CJK character is a word of its own; each
    /// with the box spanned by its characters' positions along the line.
    static func words(of line: PaddleOCR.Line) -> [OCRText.Word] {
        let scalars = Array(line.text.unicodeScalars)
        guard scalars.count == line.positions.count else {
            return [word(line, text: line.text, from: 0, to: 1)]
        }
        var result: [OCRText.Word] = []
        var start: Int?
        func flush(_ end: Int) {
            guard let s = start, end > s else { return }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[s..<end])
            let from = line.positions[s].start, to = line.positions[end - 1].end
            result.append(word(line, text: String(piece), from: line.turned ? 1 - to : from, to: line.turned ? 1 - from : to))
            start = nil
        }
        for (i, scalar) in scalars.enumerated() {
            if scalar.properties.isWhitespace {
                flush(i)
            } else if scalar.isCJK {
                flush(i)
                start = i
                flush(i + 1)
            } else if start == nil {
                start = i
            }
        }
        flush(scalars.count)
        return result
    }

    /// The word from `from` to `to` (0…1 along the line): the axis-aligned box of that stretch of the line's quad.
    static func word(_ line: PaddleOCR.Line, text: String, from: Float, to: Float) -> OCRText.Word {
        let q = line.quad
        func along(_ a: (x: Float, y: Float), _ b: (x: Float, y: Float), _ t: Float) -> (x: Float, y: Float) {
            (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
        }
        let points = [along(q[0], q[1], from), along(q[0], q[1], to), along(q[3], q[2], from), along(q[3], q[2], to)]
        let x0 = points.map(\.x).min()!, x1 = points.map(\.x).max()!, y0 = points.map(\.y).min()!, y1 = points.map(\.y).max()!
        return OCRText.Word(text: text, x: Int(x0), y: Int(y0), width: max(1, Int((x1 - x0).rounded())),
                            height: max(1, Int((y1 - y0).rounded())), confidence: Double(line.confidence * 100))
    }
}
