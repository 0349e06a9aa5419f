import Foundation
import ZhikuCore

/// A bordered table's grid derived from a map of its ruling lines (``TableGridDetector``): the rules are closed along
/// their direction, cut into straight segments, lengthened a little at both ends (so a rule that stops just short of
/// the one it meets still closes its cell), drawn into a wall mask together with the rectangle that bounds them all (a table whose
/// outer sides are open is closed by it), and every region the walls enclose is a cell. Rows and columns come from
/// the cells' edges on the straightened table (the rules' median slope taken out), clustered: a cell whose top and
/// bottom fall on different row edges spans the rows between.
extension TableGrid {
    /// One straight piece of a rule: along its direction from `start` to `end`, across it at `offset + slope·t`.
    struct Segment {
        var start: Float, end: Float
        var offset: Float, slope: Float
        func across(_ t: Float) -> Float { offset + slope * t }

        /// As a vertical rule: whether it runs down through the middle of `box` (over half its height, away from its
        /// left and right tenths).
        func crossesVertically(_ box: Box) -> Bool {
            let low = max(start, box.y0), high = min(end, box.y1)
            guard high - low >= 0.5 * (box.y1 - box.y0) else { return false }
            let x = across((low + high) / 2), margin = max(2, 0.1 * (box.x1 - box.x0))
            return x > box.x0 + margin && x < box.x1 - margin
        }

        /// As a horizontal rule: whether it runs along through the middle of `box`.
        func crossesHorizontally(_ box: Box) -> Bool {
            let low = max(start, box.x0), high = min(end, box.x1)
            guard high - low >= 0.5 * (box.x1 - box.x0) else { return false }
            let y = across((low + high) / 2), margin = max(2, 0.2 * (box.y1 - box.y0))
            return y > box.y0 + margin && y < box.y1 - margin
        }
    }

    /// The median distance between neighbouring parallel rules that run along most of the table (the usual row
    /// height for horizontal rules); infinite when there are fewer than two.
    static func spacing(_ rules: [Segment]) -> Float {
        guard let longest = rules.map({ $0.end - $0.start }).max() else { return .infinity }
        let positions = rules.filter { $0.end - $0.start >= 0.5 * longest }.map { $0.across(($0.start + $0.end) / 2) }.sorted()
        let gaps = zip(positions, positions.dropFirst()).map { $1 - $0 }.filter { $0 > 3 }
        return gaps.isEmpty ? .infinity : median(gaps)
    }

    /// The grid of a table from its line map (`classes`: 0 nothing, 1 a horizontal rule, 2 a vertical one; `width`
    /// × `height`, row-major), in the map's pixels; nil unless the walls enclose at least two rows and two columns
    /// of cells covering most of the grid. With the image the map was made from (`pixels`, same size), a rule is
    /// kept only where the image is inked along at least 95 % of it: the model also marks strokes of
    /// characters that stand in line in successive rows, and rules it imagines along a table's open sides.
    ///
    /// `text`: boxes of the lines of text read there (same pixels). A rule shorter than two rows (or columns) that runs
    /// through the middle of one is a stroke of its characters, and is dropped.
    static func from(classes: [UInt8], width: Int, height: Int, pixels: [UInt8]? = nil, text: [Box] = []) -> TableGrid? {
        guard width > 8, height > 8, classes.count == width * height else { return nil }
        var horizontal = classes.map { $0 == 1 }, vertical = classes.map { $0 == 2 }
        // Close small gaps along each rule's direction (a rule broken by noise or a letter's descender).
        close(&horizontal, width: width, height: height, length: Int(Float(width).squareRoot() * 1.2), alongX: true)
        close(&vertical, width: width, height: height, length: Int(Float(height).squareRoot() * 1.2), alongX: false)
        let minimumLength = Float(max(12, min(width, height) / 40))
        var rows = segments(horizontal, width: width, height: height, alongX: true).filter { $0.end - $0.start >= minimumLength }
        var columns = segments(vertical, width: width, height: height, alongX: false).filter { $0.end - $0.start >= minimumLength }
        if let pixels, pixels.count == width * height {
            guard let ink = inkThreshold(pixels) else { return nil }
            rows = rows.filter { inkedShare($0, pixels, width: width, height: height, alongX: true, below: ink) >= 0.95 }
            columns = columns.filter { inkedShare($0, pixels, width: width, height: height, alongX: false, below: ink) >= 0.95 }
        }
        if !text.isEmpty {
            // Short rules through the middle of a line of text.
            let rowSpacing = spacing(rows), columnSpacing = spacing(columns)
            columns = columns.filter { $0.end - $0.start >= 2 * rowSpacing || !text.contains(where: $0.crossesVertically) }
            rows = rows.filter { $0.end - $0.start >= 2 * columnSpacing || !text.contains(where: $0.crossesHorizontally) }
        }
        guard rows.count >= 2, !columns.isEmpty else { return nil }

        // Walls: the segments, lengthened at both ends, three pixels thick; the bounding rectangle; everything outside it.
        var wall = [Bool](repeating: false, count: width * height)
        func mark(_ x: Int, _ y: Int) {
            if x >= 0, x < width, y >= 0, y < height { wall[y * width + x] = true }
        }
        let reach = Float(max(6, max(width, height) / 80))
        // The table's outer box: a side is the outermost rule running along most of it, else (an open side) where
        // the rules across it end.
        var left = Float(width), right: Float = 0, top = Float(height), bottom: Float = 0
        for s in rows { left = min(left, s.start); right = max(right, s.end) }
        for s in columns { top = min(top, s.start); bottom = max(bottom, s.end) }
        let longRows = rows.filter { $0.end - $0.start >= 0.5 * (right - left) }
        let longColumns = columns.filter { $0.end - $0.start >= 0.5 * (bottom - top) }
        func middle(_ s: Segment) -> Float { s.across((s.start + s.end) / 2) }
        let (t0, b0, l0, r0) = (top, bottom, left, right)
        /// The outermost long rule on one side, when it lies where the rules across it end (else the side is open).
        func side(_ rules: [Segment], outermost: ([Segment]) -> Segment?, at end: Float) -> Segment? {
            guard rules.count > 1, let rule = outermost(rules), abs(middle(rule) - end) <= 2 * reach else { return nil }
            return rule
        }
        let topRule = side(longRows, outermost: { $0.min { middle($0) < middle($1) } }, at: t0)
        let bottomRule = side(longRows, outermost: { $0.max { middle($0) < middle($1) } }, at: b0)
        let leftRule = side(longColumns, outermost: { $0.min { middle($0) < middle($1) } }, at: l0)
        let rightRule = side(longColumns, outermost: { $0.max { middle($0) < middle($1) } }, at: r0)
        // Each side follows its rule (a photographed table is a little skewed), or is straight where it is open.
        func topAt(_ x: Float) -> Float { topRule?.across(x) ?? t0 }
        func bottomAt(_ x: Float) -> Float { bottomRule?.across(x) ?? b0 }
        func leftAt(_ y: Float) -> Float { leftRule?.across(y) ?? l0 }
        func rightAt(_ y: Float) -> Float { rightRule?.across(y) ?? r0 }
        for s in rows {
            for x in Int((s.start - reach).rounded(.down))...Int((s.end + reach).rounded(.up)) {
                let y = Int(s.across(Float(x)).rounded())
                for d in -1...1 { mark(x, y + d) }
            }
        }
        for s in columns {
            for y in Int((s.start - reach).rounded(.down))...Int((s.end + reach).rounded(.up)) {
                let x = Int(s.across(Float(y)).rounded())
                for d in -1...1 { mark(x + d, y) }
            }
        }
        guard rightAt(top) - leftAt(top) > 8, bottomAt(left) - topAt(left) > 8 else { return nil }
        for y in 0..<height {
            let fy = Float(y), l = leftAt(fy), r = rightAt(fy)
            for x in 0..<width {
                let fx = Float(x)
                if fy <= topAt(fx) || fy >= bottomAt(fx) || fx <= l || fx >= r { wall[y * width + x] = true }
            }
        }

        // Cells: regions the walls enclose, measured on the straightened table.
        let slopeY = median(rows.map(\.slope)), slopeX = median(columns.map(\.slope))
        var boxes = enclosedRegions(wall, width: width, height: height, slopeY: slopeY, slopeX: slopeX)
        boxes = boxes.filter { $0.x1 - $0.x0 >= 4 && $0.y1 - $0.y0 >= 4 && $0.area >= 30 }
        guard boxes.count >= 4 else { return nil }
        let smallest = boxes.map { min($0.y1 - $0.y0, $0.x1 - $0.x0) }.min() ?? 0
        let tolerance = max(2, min(7, smallest * 0.4))
        let rowEdges = clusters(boxes.flatMap { [$0.y0, $0.y1] }, tolerance: tolerance)
        let columnEdges = clusters(boxes.flatMap { [$0.x0, $0.x1] }, tolerance: tolerance)
        var cells: [Cell] = []
        for box in boxes {
            let r0 = nearest(rowEdges, box.y0), r1 = nearest(rowEdges, box.y1)
            let c0 = nearest(columnEdges, box.x0), c1 = nearest(columnEdges, box.x1)
            guard r1 > r0, c1 > c0 else { continue }
            cells.append(Cell(row: r0, rowSpan: r1 - r0, column: c0, columnSpan: c1 - c0,
                              x0: box.px0, y0: box.py0, x1: box.px1, y1: box.py1))
        }
        // Edges that start no row (or column) of any cell are dropped and the indices renumbered.
        let usedRows = Set(cells.flatMap { [$0.row, $0.row + $0.rowSpan] }).sorted()
        let usedColumns = Set(cells.flatMap { [$0.column, $0.column + $0.columnSpan] }).sorted()
        cells = cells.map { c in
            var cell = c
            let r0 = usedRows.firstIndex(of: c.row)!, r1 = usedRows.firstIndex(of: c.row + c.rowSpan)!
            let c0 = usedColumns.firstIndex(of: c.column)!, c1 = usedColumns.firstIndex(of: c.column + c.columnSpan)!
            cell.row = r0; cell.rowSpan = r1 - r0; cell.column = c0; cell.columnSpan = c1 - c0
            return cell
        }.sorted { $0.row != $1.row ? $0.row < $1.row : $0.column < $1.column }
        let gridRows = usedRows.count - 1, gridColumns = usedColumns.count - 1
        guard gridRows >= 2, gridColumns >= 2 else { return nil }
        let covered = cells.reduce(0) { $0 + $1.rowSpan * $1.columnSpan }
        guard Float(covered) >= 0.8 * Float(gridRows * gridColumns) else { return nil }
        return TableGrid(rows: gridRows, columns: gridColumns, cells: cells)
    }

    /// Morphological closing (dilation then erosion) along rows (`alongX`) or columns with a run of `length` pixels.
    static func close(_ mask: inout [Bool], width: Int, height: Int, length: Int, alongX: Bool) {
        guard length > 1 else { return }
        let lines = alongX ? height : width, count = alongX ? width : height
        let before = length / 2, after = length - 1 - before
        var prefix = [Int](repeating: 0, count: count + 1)
        var line = [Bool](repeating: false, count: count)
        for l in 0..<lines {
            func at(_ i: Int) -> Int { alongX ? l * width + i : i * width + l }
            for i in 0..<count { line[i] = mask[at(i)] }
            // Dilation: set where any pixel of the window is set (outside the image counts as unset).
            for i in 0..<count { prefix[i + 1] = prefix[i] + (line[i] ? 1 : 0) }
            for i in 0..<count {
                let a = max(0, i - before), b = min(count, i + after + 1)
                line[i] = prefix[b] - prefix[a] > 0
            }
            // Erosion: keep where every pixel of the window is set (outside the image counts as set).
            for i in 0..<count { prefix[i + 1] = prefix[i] + (line[i] ? 1 : 0) }
            for i in 0..<count {
                let a = max(0, i - after), b = min(count, i + before + 1)
                mask[at(i)] = prefix[b] - prefix[a] == b - a
            }
        }
    }

    /// The straight pieces of one direction's rules: each 8-connected piece of the mask, its position across fitted
    /// against its position along by least squares.
    static func segments(_ mask: [Bool], width: Int, height: Int, alongX: Bool) -> [Segment] {
        var seen = [Bool](repeating: false, count: width * height)
        var result: [Segment] = []
        var stack: [Int] = []
        for seed in 0..<(width * height) where mask[seed] && !seen[seed] {
            seen[seed] = true
            stack.append(seed)
            var n: Float = 0, st: Float = 0, sa: Float = 0, stt: Float = 0, sta: Float = 0
            var low = Float.infinity, high = -Float.infinity
            while let p = stack.popLast() {
                let x = p % width, y = p / width
                let t = Float(alongX ? x : y), a = Float(alongX ? y : x)
                n += 1; st += t; sa += a; stt += t * t; sta += t * a
                low = min(low, t); high = max(high, t)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                        let q = ny * width + nx
                        if mask[q] && !seen[q] { seen[q] = true; stack.append(q) }
                    }
                }
            }
            let variance = stt - st * st / n
            let slope = variance > 1e-3 ? (sta - st * sa / n) / variance : 0
            // A rule is nearly straight along its direction: a steep "slope" is a blob, not a rule.
            guard abs(slope) < 0.2 else { continue }
            result.append(Segment(start: low, end: high, offset: sa / n - slope * st / n, slope: slope))
        }
        return result
    }

    /// A quarter of the way from the image's paper to its ink (the 98th and 2nd percentiles of its grey levels: a
    /// thin rule shrunk to the model's scale is only light grey); nil for an image without contrast.
    static func inkThreshold(_ pixels: [UInt8]) -> Int? {
        var histogram = [Int](repeating: 0, count: 256)
        for p in pixels { histogram[Int(p)] += 1 }
        func percentile(_ share: Double) -> Int {
            let wanted = Int(Double(pixels.count) * share)
            var seen = 0
            for level in 0..<256 {
                seen += histogram[level]
                if seen > wanted { return level }
            }
            return 255
        }
        let ink = percentile(0.02), paper = percentile(0.98)
        return paper - ink >= 40 ? paper - (paper - ink) / 4 : nil
    }

    /// The share of positions along `segment` where a pixel within two of its line is darker than `below`.
    static func inkedShare(_ segment: Segment, _ pixels: [UInt8], width: Int, height: Int, alongX: Bool, below: Int) -> Float {
        let first = max(0, Int(segment.start)), last = min((alongX ? width : height) - 1, Int(segment.end))
        guard last >= first else { return 0 }
        var inked = 0
        for t in first...last {
            let a = Int(segment.across(Float(t)).rounded())
            for d in -2...2 {
                let x = alongX ? t : a + d, y = alongX ? a + d : t
                if x >= 0, x < width, y >= 0, y < height, Int(pixels[y * width + x]) < below { inked += 1; break }
            }
        }
        return Float(inked) / Float(last - first + 1)
    }

    /// A region the walls enclose: its box on the straightened table (`x0`…`y1`) and in the map (`px0`…`py1`).
    struct Region {
        var x0: Float, y0: Float, x1: Float, y1: Float
        var px0: Float, py0: Float, px1: Float, py1: Float
        var area: Int
    }

    /// The 4-connected regions of non-wall pixels.
    static func enclosedRegions(_ wall: [Bool], width: Int, height: Int, slopeY: Float, slopeX: Float) -> [Region] {
        var seen = wall
        var regions: [Region] = []
        var stack: [Int] = []
        for seed in 0..<(width * height) where !seen[seed] {
            seen[seed] = true
            stack.append(seed)
            var region = Region(x0: .infinity, y0: .infinity, x1: -.infinity, y1: -.infinity,
                                px0: .infinity, py0: .infinity, px1: -.infinity, py1: -.infinity, area: 0)
            while let p = stack.popLast() {
                let x = p % width, y = p / width
                let fx = Float(x), fy = Float(y)
                // Straightened: the rules' slope taken out (a shear, enough for the few degrees of a scan or photo).
                let sx = fx - slopeX * fy, sy = fy - slopeY * fx
                region.x0 = min(region.x0, sx); region.x1 = max(region.x1, sx + 1)
                region.y0 = min(region.y0, sy); region.y1 = max(region.y1, sy + 1)
                region.px0 = min(region.px0, fx); region.px1 = max(region.px1, fx + 1)
                region.py0 = min(region.py0, fy); region.py1 = max(region.py1, fy + 1)
                region.area += 1
                if x > 0, !seen[p - 1] { seen[p - 1] = true; stack.append(p - 1) }
                if x + 1 < width, !seen[p + 1] { seen[p + 1] = true; stack.append(p + 1) }
                if y > 0, !seen[p - width] { seen[p - width] = true; stack.append(p - width) }
                if y + 1 < height, !seen[p + width] { seen[p + width] = true; stack.append(p + width) }
            }
            regions.append(region)
        }
        return regions
    }

    /// Values grouped where consecutive sorted values lie within `tolerance` of each other; each group's mean.
    static func clusters(_ values: [Float], tolerance: Float) -> [Float] {
        var result: [Float] = []
        var group: [Float] = []
        for v in values.sorted() {
            if let last = group.last, v - last > tolerance {
                result.append(group.reduce(0, +) / Float(group.count))
                group = []
            }
            group.append(v)
        }
        if !group.isEmpty { result.append(group.reduce(0, +) / Float(group.count)) }
        return result
    }

    /// The index of the value in `edges` closest to `v`.
    static func nearest(_ edges: [Float], _ v: Float) -> Int {
        edges.indices.min { abs(edges[$0] - v) < abs(edges[$1] - v) } ?? 0
    }

    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        return values.sorted()[values.count / 2]
    }
}
