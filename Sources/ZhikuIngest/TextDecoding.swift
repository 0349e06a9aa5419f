import Foundation
import ZhikuCore

#if canImport(Glibc)
import Glibc
#endif

/// The character encodings Zhiku recognises in text files.
public enum TextEncoding: String, Sendable, Codable {
    case utf8 = "UTF-8"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    case gb18030 = "GB18030"
    case latin1 = "ISO-8859-1"
}

/// Detects the encoding of text bytes and decodes them, refusing binary data.
///
/// Order: a byte-order mark decides (UTF-8, UTF-16 LE/BE); then valid UTF-8; then UTF-16 without a BOM
/// (recognised by its zero bytes); then GB18030 (which covers GBK and GB2312) when it decodes cleanly and
/// yields mostly CJK text; then Latin-1. Bytes with NULs or many control characters are not text.
public enum TextDecoding {
    /// Decodes `bytes` as text.
    /// - Parameters:
    ///   - partial: the bytes are a prefix of a longer file, so a cut multi-byte sequence at the end is fine.
    /// - Throws: `.unsupportedMediaType` when the bytes are not text.
    public static func decode(_ bytes: [UInt8], partial: Bool = false) throws -> (text: String, encoding: TextEncoding) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = Array(bytes.dropFirst(3))
            if let text = validUTF8(body, partial: partial) { return (text, .utf8) }
            throw ZhikuError(.unsupportedMediaType, "the file has a UTF-8 byte-order mark but is not valid UTF-8")
        }
        if bytes.starts(with: [0xFF, 0xFE]) { return (utf16(Array(bytes.dropFirst(2)), littleEndian: true), .utf16LE) }
        if bytes.starts(with: [0xFE, 0xFF]) { return (utf16(Array(bytes.dropFirst(2)), littleEndian: false), .utf16BE) }

        if let endian = guessUTF16(bytes) {
            let text = utf16(bytes, littleEndian: endian)
            if !looksBinary(text.unicodeScalars) { return (text, endian ? .utf16LE : .utf16BE) }
        }
        if bytes.contains(0) {
            throw ZhikuError(.unsupportedMediaType, "the content is binary (it contains NUL bytes), not text")
        }
        if let text = validUTF8(bytes, partial: partial) {
            guard !looksBinary(text.unicodeScalars) else { throw binary }
            return (text, .utf8)
        }
        if let text = iconvDecode(bytes, from: "GB18030", partial: partial), mostlyCJK(text) {
            guard !looksBinary(text.unicodeScalars) else { throw binary }
            return (text, .gb18030)
        }
        let text = String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
        guard !looksBinary(text.unicodeScalars) else { throw binary }
        return (text, .latin1)
    }

    private static let binary = ZhikuError(
        .unsupportedMediaType, "the content is binary (too many control characters), not text")

    private static func validUTF8(_ bytes: [UInt8], partial: Bool) -> String? {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard partial else { return nil }
        // A prefix may end inside a multi-byte sequence: drop up to 3 trailing bytes.
        for cut in 1...3 where bytes.count > cut {
            if let text = String(validating: bytes.dropLast(cut), as: UTF8.self) { return text }
        }
        return nil
    }

    private static func utf16(_ bytes: [UInt8], littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? (b << 8 | a) : (a << 8 | b))
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// UTF-16 without a BOM: many zero bytes on one side only. Returns true for little-endian.
    private static func guessUTF16(_ bytes: [UInt8]) -> Bool? {
        let sample = bytes.prefix(4096)
        guard sample.count >= 8 else { return nil }
        var evenZeros = 0, oddZeros = 0
        for (i, b) in sample.enumerated() where b == 0 {
            if i % 2 == 0 { evenZeros += 1 } else { oddZeros += 1 }
        }
        let half = sample.count / 2
        if oddZeros * 10 >= half * 4, evenZeros * 20 < half { return true }
        if evenZeros * 10 >= half * 4, oddZeros * 20 < half { return false }
        return nil
    }

    /// Binary data decoded by accident has many C0 controls besides tab, newlines, form feed and escape.
    static func looksBinary(_ scalars: String.UnicodeScalarView) -> Bool {
        var total = 0, controls = 0
        for s in scalars {
            total += 1
            switch s.value {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B: break
            case 0x00...0x1F, 0x7F, 0xFFFD: controls += 1
            default: break
            }
        }
        return total > 0 && (controls * 100 > total || controls > 64)
    }

    /// Mostly CJK (or full-width punctuation) among the non-ASCII characters.
    private static func mostlyCJK(_ text: String) -> Bool {
        var nonASCII = 0, cjk = 0
        for s in text.unicodeScalars where s.value >= 0x80 {
            nonASCII += 1
            if s.isCJK || (0x3000...0x303F).contains(s.value) || (0xFF00...0xFFEF).contains(s.value)
                || (0x2000...0x206F).contains(s.value) {
                cjk += 1
            }
        }
        return nonASCII == 0 || cjk * 10 >= nonASCII * 8
    }

    /// Decodes with glibc's iconv; nil if the bytes are invalid in `encoding`.
    static func iconvDecode(_ bytes: [UInt8], from encoding: String, partial: Bool) -> String? {
        let cd = iconv_open("UTF-8", encoding)
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = bytes.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: bytes.count * 2 + 16)
        let produced: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var outLeft = outBuf.count
                let result = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if result == -1 {
                    // EINVAL: the input ends inside a character, acceptable for a prefix.
                    guard partial, errno == EINVAL else { return nil }
                }
                return outBuf.count - outLeft
            }
        }
        guard let produced else { return nil }
        return String(decoding: output.prefix(produced).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
