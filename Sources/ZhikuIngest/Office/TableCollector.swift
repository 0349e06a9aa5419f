/// Collects the rows of a document's tables as their reader walks the XML: Word's `tbl/tr/tc`, OpenDocument's
/// `table/table-row/table-cell`, PowerPoint's `a:tbl`. A table inside a cell becomes that cell's text (its rows
/// joined by "; "); only an outermost table is handed back.
struct TableCollector {
    private var open: [(rows: [[String]], row: [String], cell: [String])] = []

    /// Whether a table is being read (its paragraphs belong to a cell).
    var isOpen: Bool { !open.isEmpty }

    mutating func startTable() { open.append(([], [], [])) }
    mutating func startRow() { if isOpen { open[open.count - 1].row = [] } }
    mutating func startCell() { if isOpen { open[open.count - 1].cell = [] } }

    /// Adds a paragraph's text to the cell being read.
    mutating func addToCell(_ text: String) { if isOpen, !text.isEmpty { open[open.count - 1].cell.append(text) } }

    mutating func endCell() { if isOpen { open[open.count - 1].row.append(open[open.count - 1].cell.joined(separator: " ")) } }
    mutating func endRow() { if isOpen { open[open.count - 1].rows.append(open[open.count - 1].row) } }

    /// Ends the innermost table: an outermost one's rows, or nil for a nested one (folded into its cell).
    mutating func endTable() -> [[String]]? {
        guard let table = open.popLast() else { return nil }
        guard isOpen else { return table.rows }
        addToCell(table.rows.map { $0.filter { !$0.isEmpty }.joined(separator: " ") }.joined(separator: "; "))
        return nil
    }
}
