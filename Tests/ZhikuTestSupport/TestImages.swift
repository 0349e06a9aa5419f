import Foundation

/// Images drawn by the tests themselves (ImageMagick's `convert`, with Noto CJK for Chinese) and the measures
/// used on what OCR reads from them.
public enum TestImages {
    public static let english = """
        Annual leave must be requested one week in advance
        through the HR portal. Sick leave longer than three
        days requires a note from a doctor. Travel expenses
        are paid back within thirty days of the receipts.
        """
    public static let chinese = """
        员工年假需要提前一周通过人事系统申请。
        病假超过三天需要提供医生开具的证明。
        差旅费用在提交发票后三十天内报销。
        合同续签由部门经理审批后生效。
        """

    /// True when ImageMagick's `convert` is on this machine (`scripts/setup.sh --tests` installs it).
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/convert")
    }

    /// Draws `text` black on white at `density` dpi into `url` (the format follows the extension); `extra` are
    /// further `convert` options applied after drawing (e.g. `-rotate 90`). Throws when `convert` fails.
    public static func render(_ text: String, to url: URL, pointSize: Int = 12, density: Int = 300,
                              fill: String = "black", background: String = "white", extra: [String] = []) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = ["-density", "\(density)", "-units", "PixelsPerInch", "-background", background, "-fill", fill,
                       "-font", "Noto-Sans-CJK-SC", "-pointsize", "\(pointSize)", "-bordercolor", background,
                       "label:" + text, "-border", "60"] + extra + [url.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Any image `convert` reads, as 8-bit grey pixels: width, height and `height` rows of `width` bytes.
    public static func grey(_ url: URL) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let folder = TemporaryFolder()
        let pgm = folder.url.appendingPathComponent("image.pgm")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = [url.path, "-colorspace", "Gray", "-depth", "8", pgm.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
        return try readPGM(pgm)
    }

    /// A binary PGM ("P5\n<width> <height>\n<max>\n" then the pixels).
    public static func readPGM(_ url: URL) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let bytes = [UInt8](try Data(contentsOf: url))
        var fields: [Int] = [], position = 2, current = ""
        while fields.count < 3 {
            guard position < bytes.count else { throw CocoaError(.fileReadCorruptFile) }
            let c = Character(UnicodeScalar(bytes[position]))
            position += 1
            if c.isWhitespace { if !current.isEmpty { fields.append(Int(current) ?? 0); current = "" } } else { current.append(c) }
        }
        guard fields[0] > 0, fields[1] > 0, bytes.count >= position + fields[0] * fields[1] else { throw CocoaError(.fileReadCorruptFile) }
        return (fields[0], fields[1], Array(bytes[position..<(position + fields[0] * fields[1])]))
    }

    /// Edit distance between the two texts' characters, white space ignored, over the expected length.
    public static func characterErrorRate(expected: String, actual: String) -> Double {
        let a = Array(expected.filter { !$0.isWhitespace }), b = Array(actual.filter { !$0.isWhitespace })
        guard !a.isEmpty else { return b.isEmpty ? 0 : 1 }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return Double(previous[b.count]) / Double(a.count)
    }

    /// A PNG signature and a valid IHDR chunk claiming `width`×`height` 8-bit RGB pixels, and nothing else.
    public static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let body = Array("IHDR".utf8) + be(width) + be(height) + [8, 2, 0, 0, 0]
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in body {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + body + be(crc ^ 0xFFFF_FFFF)
    }

    /// `jpeg` with an EXIF block saying it must be turned to be upright (`orientation` 1…8), as phones write.
    public static func withEXIFOrientation(_ jpeg: [UInt8], _ orientation: UInt8) -> [UInt8] {
        let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }

    /// The engine the default OCR policy (`auto`) reads with here: PP-OCRv4 when its weights are in the model cache
    /// (scripts/setup.sh fetches them), else Tesseract.
    public static var defaultEngine: String {
        let environment = ProcessInfo.processInfo.environment
        let root = environment["ZHIKU_MODELS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache") + "/zhiku/models")
        return FileManager.default.fileExists(atPath: root + "/pp-ocrv4") ? "pp-ocrv4" : "tesseract"
    }
}
