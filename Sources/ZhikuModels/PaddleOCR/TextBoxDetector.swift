import Foundation

/// Turns the text-probability map of a DB (differentiable binarisation) detector into text boxes, as PP-OCR's
/// post-processing does: binarise at `threshold`, dilate by 2×2, take each 8-connected region's minimum-area
/// rectangle, score it by the mean probability inside, drop weak or thin ones, grow it by `unclipRatio` (the
/// model predicts shrunk text kernels), and scale it back to the image.
struct TextBoxDetector {
    /// A text box: four corners, top left, top right, bottom right, bottom left.
    typealias Quad = [(x: Float, y: Float)]

    var threshold: Float = 0.3
    var boxThreshold: Float = 0.5
    var unclipRatio: Float = 1.6
    var maxCandidates = 1000
    let minSize: Float = 3

    /// Boxes in the coordinates of an image of `imageWidth`×`imageHeight` from a `mapWidth`×`mapHeight`
    /// probability map.
    func boxes(probabilities map: [Float], mapWidth w: Int, mapHeight h: Int, imageWidth: Int, imageHeight: Int) -> [Quad] {
        // Binarise and dilate with a 2×2 kernel anchored at its bottom-right cell (OpenCV's for an even kernel).
        var binary = [UInt8](repeating: 0, count: w * h)
        for i in 0..<(w * h) where map[i] > threshold { binary[i] = 1 }
        var mask = binary
        for y in 0..<h {
            for x in 0..<w where binary[y * w + x] == 0 {
                if (x > 0 && binary[y * w + x - 1] == 1) || (y > 0 && binary[(y - 1) * w + x] == 1)
                    || (x > 0 && y > 0 && binary[(y - 1) * w + x - 1] == 1) {
                    mask[y * w + x] = 1
                }
            }
        }
        var result: [Quad] = []
        for region in Self.regions(mask, w, h).prefix(maxCandidates) {
            guard let (rect, shortSide) = Self.minimumAreaRectangle(region), shortSide >= minSize else { continue }
            let score = Self.meanInside(rect, map, w, h)
            guard score >= boxThreshold else { continue }
            let grown = Self.grown(rect, ratio: unclipRatio)
            guard let (box, side) = Self.minimumAreaRectangle(grown), side >= minSize + 2 else { continue }
            let scaled: Quad = box.map { p in
                (min(max((p.x / Float(w) * Float(imageWidth)).rounded(), 0), Float(imageWidth)),
                 min(max((p.y / Float(h) * Float(imageHeight)).rounded(), 0), Float(imageHeight)))
            }
            // Corners clockwise from the top left, clipped to the image; boxes of 3 pixels or less dropped.
            let ordered = Self.clockwise(scaled).map { p in
                (x: Float(Int(min(max(p.x, 0), Float(imageWidth - 1)))), y: Float(Int(min(max(p.y, 0), Float(imageHeight - 1)))))
            }
            let boxWidth = Int(Self.distance(ordered[0], ordered[1])), boxHeight = Int(Self.distance(ordered[0], ordered[3]))
            if boxWidth <= 3 || boxHeight <= 3 { continue }
            result.append(ordered)
        }
        return result
    }

    static func distance(_ a: (x: Float, y: Float), _ b: (x: Float, y: Float)) -> Float {
        ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
    }

    /// The outline points of each 8-connected region of `mask`: every row's leftmost and rightmost pixel, whose
    /// convex hull is the region's.
    static func regions(_ mask: [UInt8], _ w: Int, _ h: Int) -> [[(x: Float, y: Float)]] {
        var label = [Int32](repeating: -1, count: w * h)
        var regions: [[(x: Float, y: Float)]] = []
        var stack: [Int] = []
        for start in 0..<(w * h) where mask[start] == 1 && label[start] < 0 {
            let id = Int32(regions.count)
            label[start] = id
            stack.append(start)
            var rows: [Int: (Int, Int)] = [:]
            while let p = stack.popLast() {
                let x = p % w, y = p / w
                if let (lo, hi) = rows[y] { rows[y] = (min(lo, x), max(hi, x)) } else { rows[y] = (x, x) }
                for dy in -1...1 {
                    let ny = y + dy
                    guard ny >= 0, ny < h else { continue }
                    for dx in -1...1 {
                        let nx = x + dx
                        guard nx >= 0, nx < w else { continue }
                        let q = ny * w + nx
                        if mask[q] == 1 && label[q] < 0 {
                            label[q] = id
                            stack.append(q)
                        }
                    }
                }
            }
            var points: [(x: Float, y: Float)] = []
            for (y, (lo, hi)) in rows {
                points.append((Float(lo), Float(y)))
                if hi != lo { points.append((Float(hi), Float(y))) }
            }
            regions.append(points)
        }
        return regions
    }

    /// Andrew's monotone chain: the convex hull, counter-clockwise.
    static func convexHull(_ points: [(x: Float, y: Float)]) -> [(x: Float, y: Float)] {
        let sorted = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        guard sorted.count > 2 else { return sorted }
        func cross(_ o: (x: Float, y: Float), _ a: (x: Float, y: Float), _ b: (x: Float, y: Float)) -> Float {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [(x: Float, y: Float)] = [], upper: [(x: Float, y: Float)] = []
        for p in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        return Array(lower.dropLast() + upper.dropLast())
    }

    /// The smallest-area rectangle around `points` (rotating calipers over the hull's edges), its corners in
    /// PP-OCR's order (the two leftmost first, each pair by height: top left, top right, bottom right, bottom left)
    /// and its shorter side; nil for no points.
    static func minimumAreaRectangle(_ points: [(x: Float, y: Float)]) -> (Quad, Float)? {
        let hull = convexHull(points)
        guard let first = hull.first else { return nil }
        var best: (area: Float, corners: Quad, short: Float)?
        if hull.count < 3 {
            let last = hull.last ?? first
            best = (0, [first, last, last, first], 0)
        } else {
            for i in 0..<hull.count {
                let a = hull[i], b = hull[(i + 1) % hull.count]
                let length = distance(a, b)
                guard length > 0 else { continue }
                let ux = (b.x - a.x) / length, uy = (b.y - a.y) / length
                var minU = Float.infinity, maxU = -Float.infinity, minV = Float.infinity, maxV = -Float.infinity
                for p in hull {
                    let u = (p.x - a.x) * ux + (p.y - a.y) * uy, v = -(p.x - a.x) * uy + (p.y - a.y) * ux
                    minU = min(minU, u); maxU = max(maxU, u); minV = min(minV, v); maxV = max(maxV, v)
                }
                let area = (maxU - minU) * (maxV - minV)
                if best == nil || area < best!.area {
                    func corner(_ u: Float, _ v: Float) -> (x: Float, y: Float) { (a.x + u * ux - v * uy, a.y + u * uy + v * ux) }
                    best = (area, [corner(minU, minV), corner(maxU, minV), corner(maxU, maxV), corner(minU, maxV)],
                            min(maxU - minU, maxV - minV))
                }
            }
        }
        guard let best else { return nil }
        let byX = best.corners.sorted { $0.x < $1.x }
        let (tl, bl) = byX[1].y > byX[0].y ? (byX[0], byX[1]) : (byX[1], byX[0])
        let (tr, br) = byX[3].y > byX[2].y ? (byX[2], byX[3]) : (byX[3], byX[2])
        return ([tl, tr, br, bl], best.short)
    }

    /// The mean of `map` over the pixels inside `quad` (its corners truncated to whole pixels, edges included).
    static func meanInside(_ quad: Quad, _ map: [Float], _ w: Int, _ h: Int) -> Float {
        let corners = quad.map { (x: Float(Int($0.x)), y: Float(Int($0.y))) }
        let xmin = min(max(Int(corners.map(\.x).min()!.rounded(.down)), 0), w - 1)
        let xmax = min(max(Int(corners.map(\.x).max()!.rounded(.up)), 0), w - 1)
        let ymin = min(max(Int(corners.map(\.y).min()!.rounded(.down)), 0), h - 1)
        let ymax = min(max(Int(corners.map(\.y).max()!.rounded(.up)), 0), h - 1)
        var sum: Float = 0, count = 0
        for y in ymin...ymax {
            // The quad's span on this row: where the row crosses its edges.
            var lo = Float.infinity, hi = -Float.infinity
            let fy = Float(y)
            for i in 0..<4 {
                let a = corners[i], b = corners[(i + 1) % 4]
                if a.y == b.y {
                    if a.y == fy { lo = min(lo, a.x, b.x); hi = max(hi, a.x, b.x) }
                } else if (fy >= min(a.y, b.y)) && (fy <= max(a.y, b.y)) {
                    let x = a.x + (fy - a.y) * (b.x - a.x) / (b.y - a.y)
                    lo = min(lo, x); hi = max(hi, x)
                }
            }
            guard lo <= hi else { continue }
            let from = max(xmin, Int(lo.rounded(.up))), to = min(xmax, Int(hi.rounded(.down)))
            guard from <= to else { continue }
            for x in from...to { sum += map[y * w + x]; count += 1 }
        }
        return count == 0 ? 0 : sum / Float(count)
    }

    /// The rectangle pushed out on every side by `area × ratio / perimeter`.
    static func grown(_ rect: Quad, ratio: Float) -> [(x: Float, y: Float)] {
        var area: Float = 0, perimeter: Float = 0
        for i in 0..<4 {
            let a = rect[i], b = rect[(i + 1) % 4]
            area += a.x * b.y - b.x * a.y
            perimeter += distance(a, b)
        }
        area = abs(area) / 2
        guard perimeter > 0 else { return rect }
        let d = area * ratio / perimeter
        let cx = rect.map(\.x).reduce(0, +) / 4, cy = rect.map(\.y).reduce(0, +) / 4
        let width = distance(rect[0], rect[1]), height = distance(rect[0], rect[3])
        guard width > 0, height > 0 else { return rect }
        let ux = (rect[1].x - rect[0].x) / width, uy = (rect[1].y - rect[0].y) / width
        let vx = (rect[3].x - rect[0].x) / height, vy = (rect[3].y - rect[0].y) / height
        let hw = width / 2 + d, hh = height / 2 + d
        return [(cx - ux * hw - vx * hh, cy - uy * hw - vy * hh), (cx + ux * hw - vx * hh, cy + uy * hw - vy * hh),
                (cx + ux * hw + vx * hh, cy + uy * hw + vy * hh), (cx - ux * hw + vx * hh, cy - uy * hw + vy * hh)]
    }

    /// Corners as top left, top right, bottom right, bottom left: the two leftmost (by x) ordered by y are the
    /// left side.
    static func clockwise(_ quad: Quad) -> Quad {
        let byX = quad.enumerated().sorted { $0.element.x != $1.element.x ? $0.element.x < $1.element.x : $0.offset < $1.offset }.map(\.element)
        let left = [byX[0], byX[1]].sorted { $0.y < $1.y }, right = [byX[2], byX[3]].sorted { $0.y < $1.y }
        return [left[0], right[0], right[1], left[1]]
    }
}
