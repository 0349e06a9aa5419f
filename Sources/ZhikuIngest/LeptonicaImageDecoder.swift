import CTesseract
import Foundation
import ZhikuCore

/// Decodes PNG, JPEG, TIFF (every page), BMP, WebP and GIF (first frame) with Leptonica into upright 8-bit
/// grayscale ``OCRImage``s: the header is read first so a decompression bomb is refused before any pixel is
/// decoded, a JPEG's EXIF orientation is applied, and pictures larger than `maxSide` are scaled down.
public struct LeptonicaImageDecoder: Sendable {
    /// Images with more pixels than this are refused.
    public var maxPixels: Int
    /// Longer sides are scaled down to this (about A4 at 350 dpi); more detail only slows recognition.
    public var maxSide: Int

    public init(maxPixels: Int = 80_000_000, maxSide: Int = 4200) {
        self.maxPixels = maxPixels
        self.maxSide = maxSide
        Self.quiet
    }

    /// Leptonica reports every problem on standard error as well; Zhiku reports them itself.
    private static let quiet: Void = { _ = setMsgSeverity(6) }()  // L_SEVERITY_NONE

    /// The pages of the image in `bytes` (one, or several for a multi-page TIFF). `name` goes into error messages.
    public func decode(_ bytes: [UInt8], name: String) throws -> [OCRImage] {
        guard !bytes.isEmpty else { throw ZhikuError.invalidInput("'\(name)' is empty") }
        if let (width, height) = Self.claimedSize(bytes) { try checkSize(width, height, name) }
        if let pages = Self.tiffPageSizes(bytes) { try checkPages(pages, name) }
        return try bytes.withUnsafeBufferPointer { buffer -> [OCRImage] in
            let data = buffer.baseAddress!
            var format: Int32 = 0, width: Int32 = 0, height: Int32 = 0, bps: Int32 = 0, spp: Int32 = 0, colormap: Int32 = 0
            guard pixReadHeaderMem(data, bytes.count, &format, &width, &height, &bps, &spp, &colormap) == 0,
                  width > 0, height > 0 else {
                throw ZhikuError.invalidInput("'\(name)' is not an image Zhiku can read (damaged, or not PNG, JPEG, TIFF, BMP, WebP or GIF)")
            }
            try checkSize(Int(width), Int(height), name)
            var pages: [UnsafeMutablePointer<PIX>] = []
            defer { for pix in pages { var p: UnsafeMutablePointer<PIX>? = pix; pixDestroy(&p) } }
            if let pixa = Self.isTIFF(format) ? pixaReadMemMultipageTiff(data, bytes.count) : nil {
                var list: UnsafeMutablePointer<PIXA>? = pixa
                defer { pixaDestroy(&list) }
                for i in 0..<pixaGetCount(pixa) {
                    guard let pix = pixaGetPix(pixa, i, Int32(L_COPY)) else { continue }
                    pages.append(pix)
                    try checkSize(Int(pixGetWidth(pix)), Int(pixGetHeight(pix)), name)
                }
            } else if let pix = pixReadMem(data, bytes.count) {
                pages.append(pix)
            }
            guard !pages.isEmpty else { throw ZhikuError.invalidInput("'\(name)' is damaged or truncated: its pixels cannot be decoded") }
            let orientation = format == Int32(IFF_JFIF_JPEG) ? Self.exifOrientation(bytes) : 1
            return try pages.map { try grayscale($0, orientation: orientation, name: name) }
        }
    }

    /// The size a PNG, GIF, BMP or JPEG header claims, read from the bytes themselves (so a bomb is refused even
    /// when nothing after its header is valid).
    static func claimedSize(_ b: [UInt8]) -> (Int, Int)? {
        func be(_ i: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 << 8 | Int(b[i + $1]) } }
        func le(_ i: Int, _ n: Int) -> Int { (0..<n).reversed().reduce(0) { $0 << 8 | Int(b[i + $1]) } }
        if b.count >= 24, b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return (be(16, 4), be(20, 4)) }
        if b.count >= 10, b.starts(with: Array("GIF8".utf8)) { return (le(6, 2), le(8, 2)) }
        if b.count >= 26, b.starts(with: Array("BM".utf8)) { return (le(18, 4), abs(Int(Int32(truncatingIfNeeded: le(22, 4))))) }
        if b.count >= 4, b.starts(with: [0xFF, 0xD8]) {
            var i = 2
            while i + 9 < b.count, b[i] == 0xFF {
                let marker = b[i + 1]
                if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) { return (be(i + 7, 2), be(i + 5, 2)) }
                i += 2 + be(i + 2, 2)
            }
        }
        return nil
    }

    /// The most pages of a TIFF that are decoded.
    public static let maxPages = 1000

    /// Refuses a TIFF whose pages, read from their headers before anything is decoded, hold too many pixels: each
    /// page at most `maxPixels`, all pages together at most ten times that, and at most ``maxPages`` pages.
    private func checkPages(_ pages: [(width: Int, height: Int)], _ name: String) throws {
        guard pages.count <= Self.maxPages else {
            throw ZhikuError(.tooLarge, "'\(name)' has more than \(Self.maxPages) pages; split it into smaller files")
        }
        var total = 0
        for page in pages {
            try checkSize(page.width, page.height, name)
            total += page.width * page.height
        }
        guard total <= maxPixels * 10 else {
            throw ZhikuError(.tooLarge, "'\(name)' has \(pages.count) pages of \(total / 1_000_000) million pixels in all; "
                             + "at most \(maxPixels * 10 / 1_000_000) million are read from one file")
        }
    }

    /// Each page's size in a TIFF, read from its directory entries (ImageWidth, ImageLength) without decoding;
    /// nil when `b` is not a TIFF. A directory chain that loops or leaves the file ends the list.
    static func tiffPageSizes(_ b: [UInt8]) -> [(width: Int, height: Int)]? {
        guard b.count >= 8, b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) else { return nil }
        let r = TIFFBytes(bytes: b, little: b[0] == 0x49)
        var pages: [(width: Int, height: Int)] = []
        var seen: Set<Int> = []
        var ifd = r.u32(4) ?? 0
        while ifd > 0, seen.insert(ifd).inserted, pages.count <= maxPages, let count = r.u16(ifd) {
            var width = 0, height = 0
            for e in 0..<count {
                let entry = ifd + 2 + e * 12
                guard let tag = r.u16(entry), let type = r.u16(entry + 2) else { break }
                let value = type == 3 ? (r.u16(entry + 8) ?? 0) : (r.u32(entry + 8) ?? 0)  // SHORT or LONG
                if tag == 256 { width = value } else if tag == 257 { height = value }
            }
            pages.append((width, height))
            ifd = r.u32(ifd + 2 + count * 12) ?? 0
        }
        return pages
    }

    private func checkSize(_ width: Int, _ height: Int, _ name: String) throws {
        guard width * height <= maxPixels else {
            throw ZhikuError(.tooLarge, "'\(name)' is \(width)×\(height) pixels; images of more than \(maxPixels) pixels are refused")
        }
    }

    private static func isTIFF(_ format: Int32) -> Bool {
        (Int32(IFF_TIFF)...Int32(IFF_TIFF_ZIP)).contains(format) || format == Int32(IFF_TIFF_JPEG)
    }

    /// `pix` upright (EXIF `orientation`), scaled to `maxSide`, as 8-bit gray rows.
    private func grayscale(_ source: UnsafeMutablePointer<PIX>, orientation: Int, name: String) throws -> OCRImage {
        var owned: [UnsafeMutablePointer<PIX>] = []
        defer { for pix in owned { var p: UnsafeMutablePointer<PIX>? = pix; pixDestroy(&p) } }
        func keep(_ pix: UnsafeMutablePointer<PIX>?) throws -> UnsafeMutablePointer<PIX> {
            guard let pix else { throw ZhikuError(.internal, "'\(name)': Leptonica could not transform the image") }
            owned.append(pix)
            return pix
        }
        var pix = try keep(pixConvertTo8(source, 0))
        if [2, 4, 5, 7].contains(orientation) { pix = try keep(pixFlipLR(nil, pix)) }
        switch orientation {
        case 3, 4: pix = try keep(pixRotateOrth(pix, 2))
        case 6, 7: pix = try keep(pixRotateOrth(pix, 1))
        case 5, 8: pix = try keep(pixRotateOrth(pix, 3))
        default: break
        }
        let longest = max(pixGetWidth(pix), pixGetHeight(pix))
        if Int(longest) > maxSide {
            let factor = Float(maxSide) / Float(longest)
            pix = try keep(pixScale(pix, factor, factor))
        }
        let width = Int(pixGetWidth(pix)), height = Int(pixGetHeight(pix)), wpl = Int(pixGetWpl(pix))
        var pixels = [UInt8](repeating: 0, count: width * height)
        let words = pixGetData(pix)!
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = words + y * wpl
                for x in 0..<width {
                    // Leptonica keeps each 32-bit word's pixels most significant byte first.
                    out[y * width + x] = UInt8(truncatingIfNeeded: row[x >> 2] >> (24 - 8 * UInt32(x & 3)))
                }
            }
        }
        let resolution = Int(pixGetXRes(source))
        let scale = Double(max(width, height)) / Double(max(1, max(pixGetWidth(source), pixGetHeight(source))))
        return OCRImage(width: width, height: height, pixels: pixels,
                        dpi: resolution > 0 ? Int((Double(resolution) * scale).rounded()) : nil)
    }

    /// The EXIF orientation (1…8) of a JPEG, 1 when it has none.
    static func exifOrientation(_ bytes: [UInt8]) -> Int {
        var i = 2
        while i + 4 < bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1], length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if marker == 0xDA { break }  // image data: no EXIF before it
            let body = i + 4
            if marker == 0xE1, body + 14 <= bytes.count, Array(bytes[body..<(body + 6)]) == Array("Exif\0\0".utf8) {
                let tiff = body + 6
                let r = TIFFBytes(bytes: bytes, little: bytes[tiff] == 0x49)
                let ifd = tiff + (r.u32(tiff + 4) ?? 0)
                let count = r.u16(ifd) ?? 0
                for e in 0..<min(count, 64) {
                    let entry = ifd + 2 + e * 12
                    if r.u16(entry) == 0x0112 {
                        let value = r.u16(entry + 8) ?? 0
                        return (1...8).contains(value) ? value : 1
                    }
                }
                return 1
            }
            i += 2 + length
        }
        return 1
    }
}

/// 16- and 32-bit numbers of a TIFF structure (a TIFF file, or the EXIF block of a JPEG) in its byte order; nil past
/// the end of the bytes.
private struct TIFFBytes {
    let bytes: [UInt8]
    let little: Bool

    func u16(_ at: Int) -> Int? {
        guard at >= 0, at + 1 < bytes.count else { return nil }
        return little ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : Int(bytes[at]) << 8 | Int(bytes[at + 1])
    }

    func u32(_ at: Int) -> Int? {
        guard let a = u16(at), let c = u16(at + 2) else { return nil }
        return little ? a | c << 16 : a << 16 | c
    }
}
