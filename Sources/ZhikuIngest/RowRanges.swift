import ZhikuCore

/// The source rows a chunk holds, from the row marks of its page (spreadsheets and CSV): the first and last row
/// whose line starts inside the chunk's range.
struct RowRanges {
    private var byPage: [Int: [RowMark]] = [:]

    init(_ document: ExtractedDocument) {
        for page in document.pages {
            if let rows = page.rows, !rows.isEmpty { byPage[page.number] = rows.sorted { $0.offset < $1.offset } }
        }
    }

    var isEmpty: Bool { byPage.isEmpty }

    /// The first and last row starting in `start..<end` of page `page`, or nil when none does.
    func rows(page: Int, start: Int, end: Int) -> (first: Int, last: Int)? {
        guard let marks = byPage[page] else { return nil }
        // The first mark at or after `start` (binary search), then every mark before `end`.
        var low = 0, high = marks.count
        while low < high {
            let middle = (low + high) / 2
            if marks[middle].offset < start { low = middle + 1 } else { high = middle }
        }
        var first: Int?, last: Int?
        var i = low
        while i < marks.count, marks[i].offset < end {
            first = min(first ?? marks[i].number, marks[i].number)
            last = max(last ?? marks[i].number, marks[i].number)
            i += 1
        }
        guard let first, let last else { return nil }
        return (first, last)
    }
}
