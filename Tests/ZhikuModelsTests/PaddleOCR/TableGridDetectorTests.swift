import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// The wired-table model (cycle_center_net v2 from wired-table-rec 1.0.0) run by Zhiku's ONNX interpreter against
/// onnxruntime on a real ruled table (Fixtures/wired-table-page.png: maint-guide.zh-cn.pdf p. 39's section table at
/// 200 dpi, shrunk to the model's long side of 1 024; Fixtures/wired-table-reference.json, written by
/// Fixtures/wired-table-reference.py), and the grid read from its rules.
@Suite(.serialized) struct TableGridDetectorTests {
    struct Reference: Decodable {
        var width: Int
        var height: Int
        var runs: [Int]
        var pixels: [Int]
        var logits: [[Float]]

        /// The class map, decoded.
        var classes: [UInt8] {
            var out: [UInt8] = []
            for i in stride(from: 0, to: runs.count, by: 2) { out += [UInt8](repeating: UInt8(runs[i]), count: runs[i + 1]) }
            return out
        }
    }

    nonisolated(unsafe) static var loaded: TableGridDetector?

    /// The model's folder; skips the test when it is not installed.
    static func folder() throws -> URL {
        let folder = ModelLocation.root().appendingPathComponent(TableGridDetector.modelID)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            try Skip.now("model \(TableGridDetector.modelID) not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return folder
    }

    static func detector() throws -> TableGridDetector {
        if let loaded { return loaded }
        let detector = try TableGridDetector(folder: folder())
        loaded = detector
        return detector
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func table() throws -> OCRImage {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let grey = try TestImages.grey(fixtures.appendingPathComponent("wired-table-page.png"))
        return OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels)
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("wired-table-reference.json")))
    }

    @Test func logitsAndClassesMatchOnnxruntime() throws {
        _ = try Self.detector()
        let image = try Self.table()
        let reference = try Self.reference()
        #expect(image.width == reference.width && image.height == reference.height)
        // The class logits before the softmax ('656'), asked for as an extra output of the same graph.
        var model = try ONNXModelFile(contentsOf: Self.folder().appendingPathComponent("cycle_center_net_v2.onnx"))
        model.outputs.append("656")
        let session = try ONNXSession(model, name: "cycle_center_net_v2 with logits")
        let outputs = try session.run([session.inputNames[0]: Self.detector().input(image)])
        let logits = try #require(outputs["656"])
        #expect(logits.shape == [1, 3, image.height, image.width])
        let values = logits.floats, plane = image.width * image.height
        var largest: Float = 0
        for (k, pixel) in reference.pixels.enumerated() {
            for c in 0..<3 { largest = max(largest, abs(values[c * plane + pixel] - reference.logits[k][c])) }
        }
        #expect(largest < 2e-3, "largest logit difference \(largest)")
        // The class map: the same class on all but a few pixels where two classes nearly tie.
        let classes = try Self.detector().lineClasses(image)
        let expected = reference.classes
        #expect(classes.count == expected.count)
        let differing = zip(classes, expected).filter { $0 != $1 }.count
        #expect(differing * 10_000 <= expected.count, "\(differing) of \(expected.count) pixels differ")
        #expect(Set(classes) == [0, 1, 2])
    }

    @Test func theSectionTableIsTenRowsOfThreeColumns() throws {
        let detector = try Self.detector()
        let image = try Self.table()
        let grid = try #require(TableGrid.from(classes: try detector.lineClasses(image), width: image.width, height: image.height,
                                               pixels: image.pixels))
        #expect(grid.rows == 10 && grid.columns == 3, "\(grid.rows) × \(grid.columns)")
        #expect(grid.cells.count == 30)
        #expect(grid.cells.allSatisfy { $0.rowSpan == 1 && $0.columnSpan == 1 })
        // Columns in order left to right, rows top to bottom, boxes inside the image.
        for cell in grid.cells {
            #expect(cell.x0 >= 0 && cell.x1 <= Float(image.width) && cell.y0 >= 0 && cell.y1 <= Float(image.height))
        }
        let firstRow = grid.cells.filter { $0.row == 0 }.sorted { $0.column < $1.column }
        #expect(zip(firstRow, firstRow.dropFirst()).allSatisfy { $0.x1 <= $1.x0 })
        // onnxruntime's map gives the same grid.
        let reference = try Self.reference()
        #expect(TableGrid.from(classes: reference.classes, width: reference.width, height: reference.height, pixels: image.pixels)
            .map { ($0.rows, $0.columns) } ?? (0, 0) == (10, 3))
    }

    @Test func aPageOfTextHasNoGrid() throws {
        let detector = try Self.detector()
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zhiku-grid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("text.png")
        try TestImages.render("维护者应当在上传之前检查软件包。\nThe maintainer checks the package before the upload.\n第三行没有表格。",
                              to: url, pointSize: 12, density: 200)
        let grey = try TestImages.grey(url)
        let image = OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels)
        #expect(try detector.grid(in: image, x0: 0, y0: 0, x1: Float(image.width), y1: Float(image.height)) == nil)
    }

    @Test func rulesMakeCellsWithSpans() {
        // A hand-drawn map: a 3 × 3 ruled grid on 300 × 200 pixels whose top row is one cell across all columns and
        // whose left column's lower two cells are one (rules two pixels thick, a gap of three in one rule).
        let width = 300, height = 200
        var classes = [UInt8](repeating: 0, count: width * height)
        func horizontal(_ y: Int, _ x0: Int, _ x1: Int) { for x in x0...x1 { for d in 0..<2 { classes[(y + d) * width + x] = 1 } } }
        func vertical(_ x: Int, _ y0: Int, _ y1: Int) { for y in y0...y1 { for d in 0..<2 { classes[y * width + x + d] = 2 } } }
        horizontal(20, 20, 280); horizontal(70, 20, 280); horizontal(180, 20, 280)
        horizontal(125, 120, 150); horizontal(125, 154, 280)  // the row rule stops at the merged left cell; broken by a gap
        vertical(20, 20, 181); vertical(280, 20, 181)
        vertical(120, 70, 181); vertical(200, 70, 181)
        // The image: ink where the rules are.
        let pixels = classes.map { $0 == 0 ? UInt8(250) : UInt8(20) }
        // A stroke the model took for a rule where the image has no rule: splits a cell unless checked against the image.
        for y in 128...176 { classes[y * width + 240] = 2 }
        let unchecked = TableGrid.from(classes: classes, width: width, height: height)
        #expect(unchecked?.cells.count == 7)
        // Or by the line of text it runs through (a short "rule" through the middle of a line is one of its strokes).
        let text = TableGrid.from(classes: classes, width: width, height: height,
                                  text: [TableGrid.Box(x0: 215, y0: 135, x1: 265, y1: 170)])
        #expect(text?.cells.count == 6)
        let grid = TableGrid.from(classes: classes, width: width, height: height, pixels: pixels)
        #expect(grid?.rows == 3 && grid?.columns == 3)
        let cells = grid?.cells ?? []
        #expect(cells.count == 6)
        #expect(cells.first.map { ($0.row, $0.rowSpan, $0.column, $0.columnSpan) } ?? (9, 9, 9, 9) == (0, 1, 0, 3))
        #expect(cells.contains { $0.row == 1 && $0.rowSpan == 2 && $0.column == 0 && $0.columnSpan == 1 })
        #expect(cells.filter { $0.rowSpan == 1 && $0.columnSpan == 1 }.count == 4)
    }
}
