import Foundation
import ZhikuCore

/// The image operations PP-OCR's pipeline needs on 8-bit grayscale: bilinear resizing, area averaging, cropping, a
/// perspective crop of a quadrilateral with bicubic sampling (edges replicated), a quarter turn, padding, and
/// normalising into the models' 3-channel input.
extension OCRImage {
    /// The image resized to `width`×`height` by bilinear interpolation with pixel centres aligned (OpenCV's
    /// `INTER_LINEAR`).
    func resized(width newWidth: Int, height newHeight: Int) -> OCRImage {
        if newWidth == width && newHeight == height { return self }
        let scaleX = Float(width) / Float(newWidth), scaleY = Float(height) / Float(newHeight)
        func taps(_ o: Int, _ scale: Float, _ size: Int) -> (Int, Int, Float) {
            var f = (Float(o) + 0.5) * scale - 0.5
            if f < 0 { f = 0 }
            let i0 = min(Int(f), size - 1), i1 = min(i0 + 1, size - 1)
            return (i0, i1, i0 == size - 1 ? 0 : f - Float(i0))
        }
        let xs = (0..<newWidth).map { taps($0, scaleX, width) }
        let ys = (0..<newHeight).map { taps($0, scaleY, height) }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (oy, (y0, y1, fy)) in ys.enumerated() {
                    let row0 = y0 * width, row1 = y1 * width, target = oy * newWidth
                    for (ox, (x0, x1, fx)) in xs.enumerated() {
                        let top = Float(src[row0 + x0]) * (1 - fx) + Float(src[row0 + x1]) * fx
                        let bottom = Float(src[row1 + x0]) * (1 - fx) + Float(src[row1 + x1]) * fx
                        dst[target + ox] = UInt8(min(max((top * (1 - fy) + bottom * fy).rounded(), 0), 255))
                    }
                }
            }
        }
        return OCRImage(width: newWidth, height: newHeight, pixels: out, dpi: dpi)
    }

    /// The image shrunk to `width`×`height` by averaging the source pixels each output pixel covers, partly
    /// covered ones by their share (OpenCV's `INTER_AREA`): thin lines fade instead of vanishing between samples.
    func averaged(width newWidth: Int, height newHeight: Int) -> OCRImage {
        guard newWidth < width || newHeight < height else { return resized(width: newWidth, height: newHeight) }
        /// For each output position, the source positions it covers and their weights (summing to 1).
        func spans(_ outSize: Int, _ inSize: Int) -> [[(Int, Float)]] {
            let scale = Float(inSize) / Float(outSize)
            return (0..<outSize).map { o in
                let a = Float(o) * scale, b = min(Float(inSize), Float(o + 1) * scale)
                var taps: [(Int, Float)] = []
                var i = Int(a)
                while Float(i) < b, i < inSize {
                    let covered = min(b, Float(i + 1)) - max(a, Float(i))
                    if covered > 0 { taps.append((i, covered / scale)) }
                    i += 1
                }
                return taps
            }
        }
        let xs = spans(newWidth, width), ys = spans(newHeight, height)
        // Rows first: each source row shrunk to the new width, then the rows averaged.
        var narrow = [Float](repeating: 0, count: newWidth * height)
        for y in 0..<height {
            for (ox, taps) in xs.enumerated() {
                var sum: Float = 0
                for (x, w) in taps { sum += Float(pixels[y * width + x]) * w }
                narrow[y * newWidth + ox] = sum
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (oy, taps) in ys.enumerated() {
            for ox in 0..<newWidth {
                var sum: Float = 0
                for (y, w) in taps { sum += narrow[y * newWidth + ox] * w }
                out[oy * newWidth + ox] = UInt8(min(max(sum.rounded(), 0), 255))
            }
        }
        return OCRImage(width: newWidth, height: newHeight, pixels: out, dpi: dpi)
    }

    /// The `width`×`height` rectangle at `x`, `y` (which must lie inside the image).
    func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> OCRImage {
        precondition(x >= 0 && y >= 0 && x + cropWidth <= width && y + cropHeight <= height)
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight)
        for row in 0..<cropHeight {
            let from = (y + row) * width + x
            out.replaceSubrange((row * cropWidth)..<((row + 1) * cropWidth), with: pixels[from..<(from + cropWidth)])
        }
        return OCRImage(width: cropWidth, height: cropHeight, pixels: out, dpi: dpi)
    }

    /// The quadrilateral `corners` (top left, top right, bottom right, bottom left, in pixels) straightened into a
    /// `width`×`height` image: a perspective transform, bicubic sampling, edges replicated (OpenCV's
    /// `warpPerspective` with `INTER_CUBIC` and `BORDER_REPLICATE`).
    func perspectiveCrop(_ corners: [(x: Float, y: Float)], width outWidth: Int, height outHeight: Int) -> OCRImage {
        let target: [(x: Float, y: Float)] = [(0, 0), (Float(outWidth), 0), (Float(outWidth), Float(outHeight)), (0, Float(outHeight))]
        // The homography from the output rectangle back to the source quadrilateral.
        guard let h = Self.homography(from: target, to: corners) else {
            return OCRImage(width: max(1, outWidth), height: max(1, outHeight),
                            pixels: [UInt8](repeating: 255, count: max(1, outWidth) * max(1, outHeight)), dpi: dpi)
        }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight)
        func weights(_ t: Float) -> (Float, Float, Float, Float) {
            let a: Float = -0.75
            let x0 = 1 + t, x1 = t, x2 = 1 - t
            let w0 = ((a * x0 - 5 * a) * x0 + 8 * a) * x0 - 4 * a
            let w1 = ((a + 2) * x1 - (a + 3)) * x1 * x1 + 1
            let w2 = ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1
            return (w0, w1, w2, 1 - w0 - w1 - w2)
        }
        let w = width, hgt = height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outHeight {
                    for ox in 0..<outWidth {
                        let fx = Float(ox), fy = Float(oy)
                        let d = h[6] * fx + h[7] * fy + h[8]
                        guard d != 0 else { continue }
                        let sx = (h[0] * fx + h[1] * fy + h[2]) / d, sy = (h[3] * fx + h[4] * fy + h[5]) / d
                        guard sx.isFinite, sy.isFinite, abs(sx) < 1e6, abs(sy) < 1e6 else { continue }
                        let ix = Int(sx.rounded(.down)), iy = Int(sy.rounded(.down))
                        let wx = weights(sx - Float(ix)), wy = weights(sy - Float(iy))
                        // Columns and rows of the 4×4 neighbourhood, clamped (edges replicated).
                        let x0 = min(max(ix - 1, 0), w - 1), x1 = min(max(ix, 0), w - 1)
                        let x2 = min(max(ix + 1, 0), w - 1), x3 = min(max(ix + 2, 0), w - 1)
                        @inline(__always) func row(_ y: Int) -> Float {
                            let base = min(max(y, 0), hgt - 1) * w
                            return Float(src[base + x0]) * wx.0 + Float(src[base + x1]) * wx.1
                                + Float(src[base + x2]) * wx.2 + Float(src[base + x3]) * wx.3
                        }
                        let value = row(iy - 1) * wy.0 + row(iy) * wy.1 + row(iy + 1) * wy.2 + row(iy + 2) * wy.3
                        dst[oy * outWidth + ox] = UInt8(min(max(value.rounded(), 0), 255))
                    }
                }
            }
        }
        return OCRImage(width: outWidth, height: outHeight, pixels: out, dpi: dpi)
    }

    /// The 3×3 homography (row-major) taking each point of `from` to the matching point of `to`, or nil when the
    /// points are degenerate.
    static func homography(from: [(x: Float, y: Float)], to: [(x: Float, y: Float)]) -> [Float]? {
        // Eight equations in eight unknowns (h33 = 1), solved by Gaussian elimination in Double.
        var a = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 8)
        for i in 0..<4 {
            let (x, y) = (Double(from[i].x), Double(from[i].y)), (u, v) = (Double(to[i].x), Double(to[i].y))
            a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y, u]
            a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y, v]
        }
        for column in 0..<8 {
            guard let pivot = (column..<8).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            for row in 0..<8 where row != column {
                let factor = a[row][column] / a[column][column]
                if factor != 0 { for k in column..<9 { a[row][k] -= factor * a[column][k] } }
            }
        }
        return (0..<8).map { Float(a[$0][8] / a[$0][$0]) } + [1]
    }

    /// The image turned a quarter counter-clockwise (NumPy's `rot90`): a tall crop becomes a line.
    func rotatedCounterClockwise() -> OCRImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height { for x in 0..<width { out[(width - 1 - x) * height + y] = pixels[y * width + x] } }
        return OCRImage(width: height, height: width, pixels: out, dpi: dpi)
    }

    /// The image turned half a turn.
    func rotatedHalfTurn() -> OCRImage {
        OCRImage(width: width, height: height, pixels: pixels.reversed(), dpi: dpi)
    }

    /// The image with `top` and `bottom` rows of black added (PP-OCR's letterbox for very wide or short images).
    func paddedVertically(top: Int, bottom: Int) -> OCRImage {
        OCRImage(width: width, height: height + top + bottom,
                 pixels: [UInt8](repeating: 0, count: top * width) + pixels + [UInt8](repeating: 0, count: bottom * width), dpi: dpi)
    }

    /// The pixels as a model's three same-sized input planes (R, G and B all the grey value), plane `c` holding
    /// `v · scale[c] − shift[c]` (a per-channel mean and deviation folded into the two).
    func planes(scale: [Float], shift: [Float]) -> [Float] {
        let plane = width * height
        var values = [Float](repeating: 0, count: 3 * plane)
        for channel in 0..<3 {
            let a = scale[channel], b = shift[channel]
            for i in 0..<plane { values[channel * plane + i] = Float(pixels[i]) * a - b }
        }
        return values
    }

    /// The pixels as a 3-channel input, each `(v/255 − 0.5)/0.5`, written into `channels` planes of `planeWidth`
    /// columns starting at `offset` (columns past this image's width are left as they are: zero padding).
    func normalize(into buffer: inout [Float], offset: Int, planeWidth: Int, planeHeight: Int) {
        let plane = planeWidth * planeHeight
        buffer.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { src in
                for y in 0..<min(height, planeHeight) {
                    for x in 0..<min(width, planeWidth) {
                        let v = Float(src[y * width + x]) / 127.5 - 1
                        let at = offset + y * planeWidth + x
                        out[at] = v
                        out[at + plane] = v
                        out[at + 2 * plane] = v
                    }
                }
            }
        }
    }
}
