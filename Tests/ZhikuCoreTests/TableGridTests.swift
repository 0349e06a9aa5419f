import Testing
import ZhikuCore

/// A table grid written as Markdown: row spans repeated, column spans written once, empty rows left out, `|` escaped.
@Suite struct TableGridTests {
    @Test func writesCellsWithSpans() {
        func cell(_ row: Int, _ rowSpan: Int, _ column: Int, _ columnSpan: Int) -> TableGrid.Cell {
            TableGrid.Cell(row: row, rowSpan: rowSpan, column: column, columnSpan: columnSpan, x0: 0, y0: 0, x1: 1, y1: 1)
        }
        let grid = TableGrid(rows: 4, columns: 3, cells: [
            cell(0, 1, 0, 3), cell(1, 2, 0, 1), cell(1, 1, 1, 1), cell(1, 1, 2, 1), cell(2, 1, 1, 1), cell(2, 1, 2, 1),
            cell(3, 1, 0, 1), cell(3, 1, 1, 1), cell(3, 1, 2, 1),
        ])
        let text = ["Rates", "East", "Hotel", "500 a\nnight", "Meals", "", "", "", ""]
        #expect(grid.markdown(text) == "| Rates |  |  |\n| --- | --- | --- |\n| East | Hotel | 500 a night |\n| East | Meals |  |")
        #expect(grid.markdown(text.map { $0 == "Meals" ? "a|b" : $0 })?.contains("| East | a\\|b |  |") == true)
        #expect(grid.markdown([String](repeating: "", count: 9)) == nil)
        #expect(grid.markdown(["too few"]) == nil)
    }
}
