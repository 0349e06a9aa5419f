import Foundation
import ZIPFoundation
import ZhikuCore

/// A zip container (Office Open XML, OpenDocument, EPUB) opened for reading with limits, so a hostile file cannot
/// exhaust memory or time: the number of entries, the bytes one part may inflate to, the bytes all parts read may
/// inflate to, and the inflation ratio of a large part are bounded, counted on the bytes actually inflated (never
/// trusting the sizes the archive declares). Only named parts are ever read; embedded files (an .xlsx inside a
/// .docx, a nested zip) are never opened.
struct ZipContainer {
    /// The limits a container is read within.
    struct Limits: Sendable {
        var maximumEntries = 20_000
        /// Bytes one part may inflate to.
        var maximumPartBytes = 256 << 20
        /// Bytes all parts read together may inflate to.
        var maximumTotalBytes = 1 << 30
        /// Inflated bytes per compressed byte, checked once a part has inflated past 1 MiB.
        var maximumRatio = 200
    }

    private let archive: Archive
    private let entries: [String: Entry]
    private let fileName: String
    private let limits: Limits
    private var totalRead = 0

    /// The paths of the container's entries.
    var paths: Set<String> { Set(entries.keys) }

    /// Opens the container at `url`; a file that is not a readable zip is an extraction failure naming `fileName`.
    init(url: URL, fileName: String, limits: Limits = Limits()) throws {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw ZhikuError.extractionFailed("'\(fileName)' is not a readable zip container (truncated or damaged)")
        }
        var entries: [String: Entry] = [:]
        for entry in archive {
            entries[entry.path] = entry
            if entries.count > limits.maximumEntries {
                throw ZhikuError.extractionFailed("'\(fileName)' holds more than \(limits.maximumEntries) parts")
            }
        }
        self.archive = archive
        self.entries = entries
        self.fileName = fileName
        self.limits = limits
    }

    /// Whether the container has a part at `path`.
    func contains(_ path: String) -> Bool { entries[path] != nil }

    /// The folder a package's parts sit in: "" when `marker` (a part every such package has) is at the top;
    /// "X/" when the archive was made by zipping a folder X rather than its contents — every part under X/ and
    /// `X/marker` there (Debian's debian-edu-doc EPUBs are made this way; readers open them). Nil otherwise.
    func packageRoot(marker: String) -> String? {
        if contains(marker) { return "" }
        let tops = Set(entries.keys.map { $0.prefix { $0 != "/" } })
        guard tops.count == 1, let top = tops.first, !top.isEmpty, contains(top + "/" + marker) else { return nil }
        return top + "/"
    }

    /// The inflated bytes of the part at `path` (nil when there is none).
    mutating func data(_ path: String) throws -> Data? {
        guard let entry = entries[path] else { return nil }
        var data = Data()
        let limits = self.limits, fileName = self.fileName, compressed = max(1, Int(entry.compressedSize))
        let totalLeft = limits.maximumTotalBytes - totalRead
        do {
            _ = try archive.extract(entry, skipCRC32: false) { piece in
                data.append(piece)
                if data.count > limits.maximumPartBytes {
                    throw ZhikuError.extractionFailed("'\(fileName)': part \(path) inflates past \(limits.maximumPartBytes >> 20) MiB")
                }
                if data.count > totalLeft {
                    throw ZhikuError.extractionFailed("'\(fileName)': its parts inflate past \(limits.maximumTotalBytes >> 20) MiB in total")
                }
                if data.count > 1 << 20, data.count / compressed > limits.maximumRatio {
                    throw ZhikuError.extractionFailed(
                        "'\(fileName)': part \(path) inflates more than \(limits.maximumRatio) times its size (a zip bomb?)")
                }
            }
        } catch let error as ZhikuError {
            throw error
        } catch {
            throw ZhikuError.extractionFailed("'\(fileName)': part \(path) cannot be read (\(error))")
        }
        totalRead += data.count
        return data
    }

    /// The part at `path`, which the format requires.
    mutating func requiredData(_ path: String) throws -> Data {
        guard let data = try data(path) else {
            throw ZhikuError.extractionFailed("'\(fileName)' lacks its part \(path)")
        }
        return data
    }

    /// The part at `path` as UTF-8 text if it declares at most `limit` bytes (the `mimetype` of OpenDocument and
    /// EPUB).
    mutating func text(_ path: String, limit: Int) throws -> String? {
        guard let entry = entries[path], Int(entry.uncompressedSize) <= limit else { return nil }
        return try data(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
