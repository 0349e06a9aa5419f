import Foundation
import Testing
import ZhikuCore
@testable import ZhikuModels

/// Reading order from layout regions on lines placed by hand: columns one after the other, a full-width title
/// between bands kept in place, running headers and footers left out (only near the page's edges), a table region
/// as a Markdown table (wrapped cells kept in their row), and no regions at all giving the plain row order.
@Suite struct OCRTextLayoutTests {
    static func line(_ text: String, x: Float, y: Float, width: Float = 300, height: Float = 30) -> PaddleOCR.Line {
        PaddleOCR.Line(quad: [(x, y), (x + width, y), (x + width, y + height), (x, y + height)], text: text, confidence: 0.95,
                       positions: [])
    }

    static func region(_ kind: LayoutDetector.Kind, _ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float) -> LayoutDetector.Region {
        LayoutDetector.Region(kind: kind, score: 0.9, x0: x0, y0: y0, x1: x1, y1: y1)
    }

    @Test func columnsAreReadOneAfterTheOtherAndRunningHeadersLeftOut() {
        let lines = [
            Self.line("手册 第 3 页", x: 100, y: 40),
            Self.line("总则", x: 100, y: 200, width: 700),
            Self.line("左一", x: 100, y: 300), Self.line("右一", x: 500, y: 300),
            Self.line("左二", x: 100, y: 340), Self.line("右二", x: 500, y: 340),
            Self.line("附表", x: 100, y: 500, width: 700),
            Self.line("左三", x: 100, y: 600), Self.line("右三", x: 500, y: 600),
            Self.line("第 3 页", x: 400, y: 1560, width: 100),
        ]
        let regions = [
            Self.region(.header, 90, 35, 410, 75),
            Self.region(.title, 90, 195, 810, 235),
            Self.region(.text, 90, 295, 410, 375), Self.region(.text, 490, 295, 810, 375),
            Self.region(.title, 90, 495, 810, 535),
            Self.region(.text, 90, 595, 410, 635), Self.region(.text, 490, 595, 810, 635),
            Self.region(.footer, 390, 1555, 510, 1595),
        ]
        let read = OCRTextLayout.text(of: lines, engine: "test", regions: regions, pageHeight: 1600)
        #expect(read.text == "总则\n\n左一\n左二\n\n右一\n右二\n\n附表\n\n左三\n\n右三")
        #expect(read.words.map(\.text) == ["总则", "左一", "左二", "右一", "右二", "附表", "左三", "右三"])
        #expect(read.words.allSatisfy { $0.start != nil })
        // Without regions: rows across the page, the header and footer kept.
        let plain = OCRTextLayout.text(of: lines, engine: "test")
        #expect(plain.text == "手册 第 3 页\n总则\n左一 右一\n左二 右二\n附表\n左三 右三\n第 3 页")
        // A "header" in the middle of the page is not a running header: kept.
        let middle = OCRTextLayout.text(of: [Self.line("要点", x: 100, y: 700)], engine: "test",
                                        regions: [Self.region(.header, 90, 695, 410, 735)], pageHeight: 1600)
        #expect(middle.text == "要点")
    }

    @Test func aTableRegionBecomesAMarkdownTable() {
        var lines: [PaddleOCR.Line] = [Self.line("下表列出费用标准。", x: 100, y: 100, width: 600)]
        let cells = [["项目", "标准", "备注"], ["住宿", "500元", "每晚"], ["餐费|补贴", "100元", "每天"]]
        for (r, row) in cells.enumerated() {
            for (c, cell) in row.enumerated() {
                lines.append(Self.line(cell, x: 100 + Float(c) * 250, y: 200 + Float(r) * 50, width: 120))
            }
        }
        let regions = [Self.region(.text, 90, 95, 710, 135), Self.region(.table, 90, 190, 720, 340)]
        let read = OCRTextLayout.text(of: lines, engine: "test", regions: regions, pageHeight: 1600)
        #expect(read.text == "下表列出费用标准。\n\n| 项目 | 标准 | 备注 |\n| --- | --- | --- |\n| 住宿 | 500元 | 每晚 |\n| 餐费\\|补贴 | 100元 | 每天 |")
        // The same lines as text: rows, no table.
        let text = OCRTextLayout.text(of: lines, engine: "test", regions: [regions[0], Self.region(.text, 90, 190, 720, 340)],
                                      pageHeight: 1600)
        #expect(text.text.hasSuffix("项目 标准 备注\n住宿 500元 每晚\n餐费|补贴 100元 每天"))
        // A header cell wrapped over two lines, its neighbour centred beside them: one row (maint-guide's section
        // table read this way from a 200-dpi rendering).
        let wrapped = [Self.line("Section(部", x: 100, y: 200, width: 120, height: 20), Self.line("分)", x: 100, y: 224, width: 40, height: 20),
                       Self.line("Description", x: 350, y: 212, width: 150, height: 20),
                       Self.line("1", x: 100, y: 270, width: 15, height: 20), Self.line("User commands", x: 350, y: 270, width: 150, height: 20),
                       Self.line("2", x: 100, y: 310, width: 15, height: 20), Self.line("System calls", x: 350, y: 310, width: 150, height: 20)]
        let header = OCRTextLayout.text(of: wrapped, engine: "test", regions: [Self.region(.table, 90, 190, 720, 340)], pageHeight: 1600)
        #expect(header.text == "| Section(部 分) | Description |\n| --- | --- |\n| 1 | User commands |\n| 2 | System calls |")
        // A listing the model calls a table (indented lines, one piece per row) stays rows.
        let listing = [Self.line("install: target", x: 100, y: 200), Self.line("install ./gentoo", x: 160, y: 240),
                       Self.line("install icons", x: 160, y: 280), Self.line("clean:", x: 100, y: 320)]
        let code = OCRTextLayout.text(of: listing, engine: "test", regions: [Self.region(.table, 90, 190, 720, 360)], pageHeight: 1600)
        #expect(code.text == "install: target\ninstall ./gentoo\ninstall icons\nclean:")
        // Still lines when its first row holds two pieces side by side (a command and its comment).
        let commented = [Self.line("install: target", x: 100, y: 200), Self.line("# copy", x: 450, y: 200, width: 100)] + listing.dropFirst()
        let stillCode = OCRTextLayout.text(of: commented, engine: "test", regions: [Self.region(.table, 90, 190, 720, 360)], pageHeight: 1600)
        #expect(stillCode.text == "install: target # copy\ninstall ./gentoo\ninstall icons\nclean:")
    }

    /// A ruled table's grid (cells from its rules): lines go to the cell holding their centre, a row-spanning cell is
    /// repeated in each of its rows, a column-spanning one written once, a caption inside the region kept above the
    /// table, and a grid that holds fewer than half the lines is not used.
    @Test func aRuledTablesGridPlacesLinesInItsCells() {
        func cell(_ row: Int, _ rowSpan: Int, _ column: Int, _ columnSpan: Int, _ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float) -> TableGrid.Cell {
            TableGrid.Cell(row: row, rowSpan: rowSpan, column: column, columnSpan: columnSpan, x0: x0, y0: y0, x1: x1, y1: y1)
        }
        // Rows at 200, 260, 320, 380, 440; columns at 100, 300, 500, 800. Row 0 is a title across all columns; the
        // left column's cells of rows 1–2 and of row 3 are merged into one and one; the bottom-right cell is empty.
        let grid = TableGrid(rows: 4, columns: 3, cells: [
            cell(0, 1, 0, 3, 100, 200, 800, 260),
            cell(1, 2, 0, 1, 100, 260, 300, 380), cell(1, 1, 1, 1, 300, 260, 500, 320), cell(1, 1, 2, 1, 500, 260, 800, 320),
            cell(2, 1, 1, 1, 300, 320, 500, 380), cell(2, 1, 2, 1, 500, 320, 800, 380),
            cell(3, 1, 0, 1, 100, 380, 300, 440), cell(3, 1, 1, 1, 300, 380, 500, 440), cell(3, 1, 2, 1, 500, 380, 800, 440),
        ])
        let lines = [
            Self.line("表2 差旅标准", x: 100, y: 160, width: 200),
            Self.line("差旅费用", x: 380, y: 215, width: 150),
            Self.line("华东区", x: 120, y: 305, width: 100),
            Self.line("住宿", x: 320, y: 275, width: 80), Self.line("500元，含早餐，", x: 520, y: 265, width: 250, height: 22),
            Self.line("不含停车", x: 520, y: 292, width: 150, height: 22),
            Self.line("餐费", x: 320, y: 335, width: 80), Self.line("100元", x: 520, y: 335, width: 80),
            Self.line("华南区", x: 120, y: 395, width: 100), Self.line("住宿", x: 320, y: 395, width: 80),
        ]
        let region = Self.region(.table, 90, 150, 810, 450)
        let read = OCRTextLayout.text(of: lines, engine: "test", regions: [region], grids: [0: grid], pageHeight: 1600)
        #expect(read.text == "表2 差旅标准\n\n| 差旅费用 |  |  |\n| --- | --- | --- |\n| 华东区 | 住宿 | 500元，含早餐， 不含停车 |\n"
            + "| 华东区 | 餐费 | 100元 |\n| 华南区 | 住宿 |  |")
        // Each line's words once, though 华东区 is written twice.
        #expect(read.words.filter { $0.text == "华东区" }.count == 1)
        // Without the grid the merged cell sits between its rows and the wrapped cell becomes two rows.
        let aligned = OCRTextLayout.text(of: lines, engine: "test", regions: [region], pageHeight: 1600)
        #expect(aligned.text != read.text)
        // A grid elsewhere on the page (no line inside it) is not used.
        let elsewhere = grid.mapped(scaleX: 1, scaleY: 1, dx: 0, dy: 800)
        let unused = OCRTextLayout.text(of: lines, engine: "test", regions: [region], grids: [0: elsewhere], pageHeight: 1600)
        #expect(unused.text == aligned.text)
    }

    /// A figure's caption stays with its figure: on a two-column page, the left column's figure (labels inside it)
    /// and its caption below are read before the right column's text, figure then caption.
    @Test func aFiguresCaptionFollowsItsFigure() {
        let lines = [
            Self.line("左栏正文第一行", x: 100, y: 200), Self.line("右栏正文第一行", x: 600, y: 200),
            Self.line("输入", x: 120, y: 300, width: 60), Self.line("输出", x: 320, y: 300, width: 60),
            Self.line("右栏正文第二行", x: 600, y: 320),
            Self.line("图 3 数据流程", x: 150, y: 420, width: 200), Self.line("右栏正文第三行", x: 600, y: 440),
        ]
        let regions = [
            Self.region(.text, 90, 190, 410, 240), Self.region(.figure, 90, 280, 410, 400), Self.region(.figureCaption, 140, 410, 360, 460),
            Self.region(.text, 590, 190, 910, 480),
        ]
        let read = OCRTextLayout.text(of: lines, engine: "test", regions: regions, pageHeight: 1600)
        #expect(read.text == "左栏正文第一行\n\n输入 输出\n\n图 3 数据流程\n\n右栏正文第一行\n右栏正文第二行\n右栏正文第三行")
    }
}

