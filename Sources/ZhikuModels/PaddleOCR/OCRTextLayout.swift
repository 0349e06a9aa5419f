import Foundation
import ZhikuCore

/// Puts the lines an engine found into reading order and one text: the page's skew is estimated from the lines'
/// own slopes (a weighted median), lines are grouped into rows by their straightened centres, rows run top to
/// bottom and the pieces of a row left to right, joined by a space. Each line is split into words (Latin words at
/// spaces, each Chinese character on its own) with boxes from where its characters sit along the line.
enum OCRTextLayout {
    static func text(of lines: [PaddleOCR.Line], engine: String) -> OCRText {
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
        // A page whose lines mostly read upside down is ordered as the turned page reads.
        let upsideDown = lines.filter(\.turned).count * 2 > lines.count
        let c = cos(-angle), s = sin(-angle)
        let flip: Float = upsideDown ? -1 : 1
        struct Placed { var index: Int; var y: Float; var x: Float; var height: Float }
        let placed: [Placed] = lines.enumerated().map { index, line in
            let cx = line.quad.map(\.x).reduce(0, +) / 4, cy = line.quad.map(\.y).reduce(0, +) / 4
            let height = max(1, (TextBoxDetector.distance(line.quad[0], line.quad[3]) + TextBoxDetector.distance(line.quad[1], line.quad[2])) / 2)
            let left = line.quad.map { flip * ($0.x * c - $0.y * s) }.min() ?? 0
            return Placed(index: index, y: flip * (cx * s + cy * c), x: left, height: height)
        }
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
        var text = ""
        var words: [OCRText.Word] = []
        var confidence: Float = 0
        for (r, row) in rows.enumerated() {
            if r > 0 { text += "\n" }
            for (i, item) in row.sorted(by: { $0.x < $1.x }).enumerated() {
                let line = lines[item.index]
                if i > 0 { text += " " }
                text += line.text
                words += self.words(of: line)
                confidence += line.confidence
            }
        }
        var result = OCRText(text: text, words: words, confidence: Double(confidence / Float(lines.count) * 100), engine: engine)
        result.placeWords()
        return result
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
