import Foundation

/// The cells of a table: where each cell lies and which rows and columns of the table's grid it spans (found from a
/// ruled table's rules by ZhikuModels' `TableGridDetector`), and the table written as Markdown.
public struct TableGrid: Sendable, Equatable {
    /// One cell: its place in the grid and its box (in the coordinates the grid was made in).
    public struct Cell: Sendable, Equatable {
        public var row: Int, rowSpan: Int
        public var column: Int, columnSpan: Int
        public var x0: Float, y0: Float, x1: Float, y1: Float

        public init(row: Int, rowSpan: Int, column: Int, columnSpan: Int, x0: Float, y0: Float, x1: Float, y1: Float) {
            self.row = row
            self.rowSpan = rowSpan
            self.column = column
            self.columnSpan = columnSpan
            self.x0 = x0
            self.y0 = y0
            self.x1 = x1
            self.y1 = y1
        }

        /// Whether the point lies inside the cell's box.
        public func contains(x: Float, y: Float) -> Bool { x >= x0 && x <= x1 && y >= y0 && y <= y1 }
    }

    public var rows: Int
    public var columns: Int
    /// The cells, by row then column of their top-left grid position.
    public var cells: [Cell]

    public init(rows: Int, columns: Int, cells: [Cell]) {
        self.rows = rows
        self.columns = columns
        self.cells = cells
    }

    /// The index of the smallest cell whose box holds the point (cells of a spanned region can overlap at their
    /// edges), nil when none does.
    public func cell(containingX x: Float, y: Float) -> Int? {
        cells.indices.filter { cells[$0].contains(x: x, y: y) }
            .min { (cells[$0].x1 - cells[$0].x0) * (cells[$0].y1 - cells[$0].y0) < (cells[$1].x1 - cells[$1].x0) * (cells[$1].y1 - cells[$1].y0) }
    }

    /// The same grid with every box scaled by `scale` and moved by `dx`, `dy`.
    public func mapped(scaleX: Float, scaleY: Float, dx: Float, dy: Float) -> TableGrid {
        var copy = self
        copy.cells = cells.map { c in
            var cell = c
            cell.x0 = c.x0 * scaleX + dx; cell.x1 = c.x1 * scaleX + dx
            cell.y0 = c.y0 * scaleY + dy; cell.y1 = c.y1 * scaleY + dy
            return cell
        }
        return copy
    }

    /// A box in pixels.
    public struct Box: Sendable, Equatable {
        public var x0: Float, y0: Float, x1: Float, y1: Float

        public init(x0: Float, y0: Float, x1: Float, y1: Float) {
            self.x0 = x0
            self.y0 = y0
            self.x1 = x1
            self.y1 = y1
        }
    }

    /// The table as Markdown, `text[i]` the text of `cells[i]`: the first row with any text is the header; a cell
    /// spanning several rows is repeated in each (so every row reads whole on its own), one spanning several columns
    /// is written in the first; rows without text are left out, `|` escaped, line breaks in a cell become spaces. Nil
    /// when no cell has text.
    public func markdown(_ text: [String]) -> String? {
        guard text.count == cells.count, rows > 0, columns > 0 else { return nil }
        var table = [[String]](repeating: [String](repeating: "", count: columns), count: rows)
        for (cell, raw) in zip(cells, text) {
            let value = raw.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ").replacingOccurrences(of: "|", with: "\\|")
            guard !value.isEmpty, cell.column < columns else { continue }
            for row in cell.row..<min(rows, cell.row + cell.rowSpan) { table[row][cell.column] = value }
        }
        let filled = table.filter { $0.contains { !$0.isEmpty } }
        guard !filled.isEmpty else { return nil }
        var lines = filled.map { "| " + $0.joined(separator: " | ") + " |" }
        lines.insert("|" + String(repeating: " --- |", count: columns), at: 1)
        return lines.joined(separator: "\n")
    }
}
