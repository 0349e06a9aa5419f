/// Collects the rows of a document's tables as their reader walks the XML: Word's `tbl/tr/tc`, OpenDocument's
/// `table/table-row/table-cell`, PowerPoint's `a:tbl`. A table inside a cell becomes that cell's text (its rows
/// joined by "; "); only an outermost table is handed back.
struct TableCollector {
    private var open: [(rows: [[String]], row: [String], cell: [String], span: Int, continuesAbove: Bool)] = []

    /// Whether a table is being read (its paragraphs belong to a cell).
    var isOpen: Bool { !open.isEmpty }

    mutating func startTable() { open.append(([], [], [], 1, false)) }
    mutating func startRow() { if isOpen { open[open.count - 1].row = [] } }
    mutating func startCell() {
        guard isOpen else { return }
        open[open.count - 1].cell = []
        open[open.count - 1].span = 1
        open[open.count - 1].continuesAbove = false
    }

    /// The cell being read is merged: it spans `columns` grid columns (Word's `gridSpan`), and/or it continues the
    /// cell above (Word's `vMerge` without `restart`). Merged cells are read as the spreadsheet readers read them:
    /// the value in each cell of the range, so a row cut out of the table still says what it belongs to.
    mutating func mergeCell(columns: Int? = nil, continuesAbove: Bool = false) {
        guard isOpen else { return }
        if let columns { open[open.count - 1].span = max(1, min(columns, 64)) }
        if continuesAbove { open[open.count - 1].continuesAbove = true }
    }

    /// Adds a paragraph's text to the cell being read.
    mutating func addToCell(_ text: String) { if isOpen, !text.isEmpty { open[open.count - 1].cell.append(text) } }

    mutating func endCell() {
        guard isOpen else { return }
        let t = open.count - 1
        var text = open[t].cell.joined(separator: " ")
        let column = open[t].row.count
        if text.isEmpty, open[t].continuesAbove, let above = open[t].rows.last, column < above.count { text = above[column] }
        open[t].row += Array(repeating: text, count: open[t].span)
    }
    mutating func endRow() { if isOpen { open[open.count - 1].rows.append(open[open.count - 1].row) } }

    /// Ends the innermost table: an outermost one's rows, or nil for a nested one (folded into its cell).
    mutating func endTable() -> [[String]]? {
        guard let table = open.popLast() else { return nil }
        guard isOpen else { return table.rows }
        addToCell(table.rows.map { $0.filter { !$0.isEmpty }.joined(separator: " ") }.joined(separator: "; "))
        return nil
    }
}
