import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Hostile and odd images: clear errors, never a crash.
@Suite(.offThePool) struct LeptonicaImageDecoderTests {
    let folder = TemporaryFolder()
    let decoder = LeptonicaImageDecoder()

    @Test func hostileInputIsRefusedWithAReason() throws {
        #expect(throws: ZhikuError.invalidInput("'empty.png' is empty")) { try decoder.decode([], name: "empty.png") }
        // A 30000×30000 header: refused before a pixel is decoded.
        #expect { try decoder.decode(TestImages.pngHeader(width: 30_000, height: 30_000), name: "bomb.png") } throws: { error in
            (error as? ZhikuError)?.code == .tooLarge && (error as? ZhikuError)?.message.contains("30000×30000") == true
        }
        // Text named .png.
        #expect(throws: ZhikuError.self) { try decoder.decode(Array("just some text".utf8), name: "notes.png") }
        // A header that promises pixels which are not there.
        #expect(throws: ZhikuError.self) { try decoder.decode(TestImages.pngHeader(width: 100, height: 100), name: "cut.png") }
    }

    /// A little-endian TIFF of `pages` directories, each claiming `side`×`side` pixels (and holding none); the
    /// last directory points back at the first when `loop` is set.
    static func tiffDirectories(pages: Int, side: Int, loop: Bool = false) -> [UInt8] {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(8)
        for page in 0..<pages {
            let next = page == pages - 1 ? (loop ? 8 : 0) : bytes.count + 30
            bytes += le16(2) + le16(256) + le16(4) + le32(1) + le32(side) + le16(257) + le16(4) + le32(1) + le32(side) + le32(next)
        }
        return bytes
    }

    /// Finding 6 of the hardening review: a multi-page TIFF was decoded whole before each page's size was checked
    /// (thousands of 8000×8000 pages in a few KB). Every page's header is read first, against a total budget.
    @Test func decodersThatAllocateBeforeChecking() throws {
        let sizes = try #require(LeptonicaImageDecoder.tiffPageSizes(Self.tiffDirectories(pages: 3, side: 640)))
        #expect(sizes.map(\.width) == [640, 640, 640] && sizes.map(\.height) == [640, 640, 640])
        #expect(LeptonicaImageDecoder.tiffPageSizes(Self.tiffDirectories(pages: 2, side: 10, loop: true))?.count == 2, "a loop ends the list")
        #expect(LeptonicaImageDecoder.tiffPageSizes(Array("not a tiff".utf8)) == nil)
        // Twenty pages of 64 million pixels each: every page is under the per-page limit, together they are not.
        #expect { try decoder.decode(Self.tiffDirectories(pages: 20, side: 8000), name: "pages.tif") } throws: { error in
            (error as? ZhikuError)?.code == .tooLarge && (error as? ZhikuError)?.message.contains("million pixels in all") == true
        }
        #expect { try decoder.decode(Self.tiffDirectories(pages: 5000, side: 16), name: "many.tif") } throws: { error in
            (error as? ZhikuError)?.code == .tooLarge && (error as? ZhikuError)?.message.contains("more than 1000 pages") == true
        }
    }

    @Test func truncatedJPEGIsRefusedOrReadWithoutCrashing() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let url = folder.url.appendingPathComponent("page.jpg")
        try TestImages.render("Truncated", to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        #expect(try decoder.decode(bytes, name: "page.jpg").count == 1)
        #expect(throws: ZhikuError.self) { try decoder.decode(Array(bytes.prefix(200)), name: "cut.jpg") }
    }

    @Test func everyFormatDecodes() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let png = folder.url.appendingPathComponent("line.png")
        try TestImages.render("年假 Annual leave", to: png)
        let reference = try #require(try decoder.decode([UInt8](try Data(contentsOf: png)), name: "line.png").first)
        for (name, format) in [("line.gif", "GIF"), ("line.webp", "WEBP"), ("line.bmp", "BMP3"), ("line.tiff", "TIFF")] {
            let url = folder.url.appendingPathComponent(name)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
            p.arguments = [png.path, "-type", "TrueColor", "\(format):\(url.path)"]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let image = try #require(try decoder.decode([UInt8](try Data(contentsOf: url)), name: name).first)
            #expect(image.width == reference.width && image.height == reference.height, "\(name)")
            // Same picture: mostly the same gray values (lossy formats differ a little).
            let close = zip(image.pixels, reference.pixels).filter { abs(Int($0) - Int($1)) <= 40 }.count
            #expect(Double(close) / Double(image.pixels.count) > 0.97, "\(name)")
        }
    }

    @Test func orientationAndDownscaling() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let url = folder.url.appendingPathComponent("sideways.jpg")
        try TestImages.render("Wide line of text", to: url, extra: ["-rotate", "-90"])
        let bytes = TestImages.withEXIFOrientation([UInt8](try Data(contentsOf: url)), 6)
        try Data(bytes).write(to: url)
        #expect(LeptonicaImageDecoder.exifOrientation(bytes) == 6)
        let image = try #require(try decoder.decode(bytes, name: "sideways.jpg").first)
        #expect(image.width > image.height, "turned upright")
        #expect(image.dpi == 300)
        let small = try #require(try LeptonicaImageDecoder(maxSide: 400).decode(bytes, name: "s.jpg").first)
        #expect(max(small.width, small.height) == 400)
        #expect(small.dpi! < 300)
        // Multi-page TIFF: every page.
        let tiff = folder.url.appendingPathComponent("two.tiff")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = [url.path, url.path, tiff.path]
        try p.run()
        p.waitUntilExit()
        try Skip.unless(p.terminationStatus == 0, "this ImageMagick may not write TIFF")
        #expect(try decoder.decode([UInt8](try Data(contentsOf: tiff)), name: "two.tiff").count == 2)
    }
}
