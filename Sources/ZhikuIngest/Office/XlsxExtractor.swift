import Foundation
import ZhikuCore

/// Reads an Excel workbook (.xlsx, Office Open XML): every worksheet becomes a page — its name as a heading, its
/// cells as a Markdown table whose first non-empty row is the header (the splitter repeats it in every chunk of a
/// long sheet). Cells show shared and inline strings, numbers, percentages, dates and times in ISO form (1900 and
/// 1904 date systems), booleans, errors and formulas' cached values; a merged range repeats its value in each of
/// its cells, so every row stands alone. Charts, images, comments and formatting are left out.
public struct XlsxExtractor: DocumentExtractor {
    /// Cells read from one workbook at most (a hostile sheet can declare a million rows).
    public var maximumCells: Int

    public init(maximumCells: Int = 5_000_000) { self.maximumCells = maximumCells }

    public var mediaTypes: Set<MediaType> { [.xlsx] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        var zip = try ZipContainer(url: file.url, fileName: file.name)
        let workbookPath = try OfficePackage.mainPart(in: &zip, fileName: file.name, fallback: "xl/workbook.xml")
        let folder = (workbookPath as NSString).deletingLastPathComponent
        let targets = try OfficePackage.relationships(of: workbookPath, in: &zip, fileName: file.name)
        let workbook = try XMLEvents.read(try zip.requiredData(workbookPath), part: workbookPath, fileName: file.name)
        var sheets: [(name: String, part: String)] = []
        var date1904 = false
        for event in workbook {
            if case .start("workbookPr", let a) = event { date1904 = a["date1904"] == "1" || a["date1904"] == "true" }
            if case .start("sheet", let a) = event, let id = a["r:id"] ?? a["id"], let part = targets[id] {
                sheets.append((a["name"] ?? "Sheet \(sheets.count + 1)", part))
            }
        }
        let strings = try zip.data(folder + "/sharedStrings.xml").map {
            Self.sharedStrings(try XMLEvents.read($0, part: "sharedStrings.xml", fileName: file.name))
        } ?? []
        let formats = try zip.data(folder + "/styles.xml").map {
            Self.cellFormats(try XMLEvents.read($0, part: "styles.xml", fileName: file.name))
        } ?? []
        var blocks: [DocumentBlock] = []
        var cells = 0
        for (index, sheet) in sheets.enumerated() {
            guard let data = try zip.data(sheet.part) else { continue }
            let events = try XMLEvents.read(data, part: sheet.part, fileName: file.name)
            let rows = try Self.rows(events, strings: strings, formats: formats, date1904: date1904, cells: &cells,
                                     maximumCells: maximumCells, fileName: file.name)
            blocks += DocumentBlock.sheet(name: sheet.name, rows: rows.map(\.cells), numbers: rows.map(\.number))
            blocks.append(.pageBreak)
            progress(.init(pagesDone: index + 1, pagesTotal: sheets.count))
        }
        return ExtractedDocument(pages: DocumentBlock.pages(blocks),
                                 metadata: try OfficePackage.coreProperties(in: &zip, fileName: file.name))
    }

    /// The shared strings table: each `si`'s text runs joined (phonetic runs left out).
    static func sharedStrings(_ events: [XMLEvent]) -> [String] {
        var strings: [String] = []
        var current = "", inText = false, phonetic = 0
        for event in events {
            switch event {
            case .start("si", _): current = ""
            case .end("si"): strings.append(current)
            case .start("rPh", _): phonetic += 1
            case .end("rPh"): phonetic -= 1
            case .start("t", _): inText = phonetic == 0
            case .end("t"): inText = false
            case .text(let s) where inText: current += s
            default: break
            }
        }
        return strings
    }

    /// How a cell style shows numbers.
    enum CellFormat: Equatable { case general, date(time: Bool, date: Bool), percent(decimals: Int) }

    /// The number format of each cell style (index into `cellXfs`).
    static func cellFormats(_ events: [XMLEvent]) -> [CellFormat] {
        var codes: [Int: String] = [:]
        var formats: [CellFormat] = []
        var inCellXfs = false
        for event in events {
            switch event {
            case .start("numFmt", let a):
                if let id = a["numFmtId"].flatMap({ Int($0) }), let code = a["formatCode"] { codes[id] = code }
            case .start("cellXfs", _): inCellXfs = true
            case .end("cellXfs"): inCellXfs = false
            case .start("xf", let a) where inCellXfs:
                let id = a["numFmtId"].flatMap { Int($0) } ?? 0
                formats.append(format(id: id, code: codes[id]))
            default: break
            }
        }
        return formats
    }

    /// The format of number format `id` (built in) or its `code` (custom).
    static func format(id: Int, code: String?) -> CellFormat {
        switch id {
        case 9: return .percent(decimals: 0)
        case 10: return .percent(decimals: 2)
        case 14...17, 27...31, 34...36, 50...58: return .date(time: false, date: true)
        case 18...21, 32, 33, 45...47: return .date(time: true, date: false)
        case 22: return .date(time: true, date: true)
        default: break
        }
        guard let code else { return .general }
        // Quoted text, escaped characters and [colour]/[$-locale] sections say nothing about the kind of value.
        var plain = "", quoted = false, bracket = false, escaped = false
        for ch in code {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { plain.append(ch) }
            }
        }
        let lower = plain.lowercased()
        if lower.contains("%") {
            let decimals = lower.split(separator: ".").dropFirst().first.map { $0.prefix { $0 == "0" }.count } ?? 0
            return .percent(decimals: decimals)
        }
        let hasDate = lower.contains("y") || lower.contains("d") || (lower.contains("m") && !lower.contains("h") && !lower.contains("s"))
        let hasTime = lower.contains("h") || lower.contains("s")
        if lower == "general" || (!hasDate && !hasTime) { return .general }
        return .date(time: hasTime, date: hasDate)
    }

    /// Column index (0-based) and row number (1-based) of a reference such as `B12`.
    static func position(_ reference: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, letters = 0
        for scalar in reference.unicodeScalars {
            switch scalar.value {
            case 65...90 where row == 0: column = column * 26 + Int(scalar.value - 64); letters += 1
            case 97...122 where row == 0: column = column * 26 + Int(scalar.value - 96); letters += 1
            case 48...57: row = row * 10 + Int(scalar.value - 48)
            case 36: continue   // $A$1
            default: return nil
            }
            if letters > 3 || row > 10_000_000 { return nil }
        }
        return letters > 0 && row > 0 ? (column - 1, row) : nil
    }

    /// The sheet's rows of cell texts with their row numbers, from its first to its last non-empty row (empty rows
    /// left out).
    static func rows(_ events: [XMLEvent], strings: [String], formats: [CellFormat], date1904: Bool, cells: inout Int,
                     maximumCells: Int, fileName: String) throws -> [(number: Int, cells: [String])] {
        var grid: [Int: [Int: String]] = [:]
        var merges: [(Int, Int, Int, Int)] = []
        var rowNumber = 0, column = -1
        var type = "n", style = 0, value = "", inValue = false, inline = false, phonetic = 0
        for event in events {
            switch event {
            case .start("row", let a):
                rowNumber = a["r"].flatMap { Int($0) } ?? rowNumber + 1
                column = -1
            case .start("c", let a):
                if let ref = a["r"], let p = position(ref) { column = p.column } else { column += 1 }
                type = a["t"] ?? "n"
                style = a["s"].flatMap { Int($0) } ?? 0
                value = ""
            case .start("v", _): inValue = true
            case .end("v"): inValue = false
            case .start("is", _): inline = true
            case .end("is"): inline = false
            case .start("rPh", _): phonetic += 1
            case .end("rPh"): phonetic -= 1
            case .text(let s) where inValue || (inline && phonetic == 0): value += s
            case .end("c"):
                guard !value.isEmpty, column >= 0 else { continue }
                cells += 1
                if cells > maximumCells {
                    throw ZhikuError.extractionFailed("'\(fileName)' has more than \(maximumCells) cells (too large to read)")
                }
                grid[rowNumber, default: [:]][column] = text(of: value, type: type,
                                                            format: style < formats.count ? formats[style] : .general,
                                                            strings: strings, date1904: date1904)
            case .start("mergeCell", let a):
                let ends = (a["ref"] ?? "").split(separator: ":").compactMap { position(String($0)) }
                if ends.count == 2 { merges.append((ends[0].row, ends[0].column, ends[1].row, ends[1].column)) }
            default: break
            }
        }
        for (top, left, bottom, right) in merges {
            guard let value = grid[top]?[left], (bottom - top + 1) * (right - left + 1) <= 100_000 else { continue }
            for r in top...max(top, bottom) {
                for c in left...max(left, right) where grid[r]?[c] == nil { grid[r, default: [:]][c] = value }
            }
        }
        let width = (grid.values.flatMap(\.keys).max() ?? -1) + 1
        return grid.keys.sorted().map { r in (r, (0..<width).map { grid[r]?[$0] ?? "" }) }
    }

    /// A cell's text as Excel shows it, as near as a plain rendering gets.
    static func text(of raw: String, type: String, format: CellFormat, strings: [String], date1904: Bool) -> String {
        switch type {
        case "s": return Int(raw).flatMap { $0 >= 0 && $0 < strings.count ? strings[$0] : nil } ?? ""
        case "b": return raw == "1" ? "TRUE" : "FALSE"
        case "str", "inlineStr", "e", "d": return raw
        default: break
        }
        guard let number = Double(raw) else { return raw }
        switch format {
        case .general: return general(number)
        case .percent(let decimals): return String(format: "%.\(decimals)f%%", number * 100)
        case .date(let time, let date): return dateText(number, time: time, date: date, date1904: date1904)
        }
    }

    /// A number as Excel's General format shows it: integers without a decimal point, others to 15 significant
    /// digits without trailing zeros.
    static func general(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        var text = String(format: "%.15g", number)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// A date serial as `yyyy-MM-dd`, `HH:mm:ss` or both. In the 1900 system Excel counts a 29 February 1900 that
    /// never was (serial 60), so serials before it are a day later than the arithmetic says.
    static func dateText(_ serial: Double, time: Bool, date: Bool, date1904: Bool) -> String {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return general(serial) }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds >= 86_400 { days += 1; seconds -= 86_400 }
        let unixDays = date1904 ? days - 24_107 : (days >= 61 ? days - 25_569 : days - 25_568)
        // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar).
        let z = unixDays + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let dateText = String(format: "%04d-%02d-%02d", year, month, day)
        let timeText = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        switch (date, time) {
        case (true, true): return dateText + " " + timeText
        case (false, true): return timeText
        default: return dateText
        }
    }
}
