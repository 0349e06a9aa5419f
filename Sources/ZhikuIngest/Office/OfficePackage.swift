import Foundation
import ZhikuCore

/// What the Office Open XML formats share: the package's relationships (which part is the main document, which
/// parts a part refers to) and the names of heading styles.
enum OfficePackage {
    /// The main document part named by the package's `_rels/.rels` (the officeDocument relationship), or
    /// `fallback` when the package does not say.
    static func mainPart(in zip: inout ZipContainer, fileName: String, fallback: String) throws -> String {
        guard let data = try zip.data("_rels/.rels") else { return fallback }
        let relationships = try XMLEvents.read(data, part: "_rels/.rels", fileName: fileName)
        for case .start("Relationship", let a) in relationships
        where (a["Type"] ?? "").hasSuffix("/officeDocument") {
            if let target = a["Target"] { return resolve(target, from: "") }
        }
        return fallback
    }

    /// The package's core properties (`docProps/core.xml`): title, creator, created and modified dates.
    static func coreProperties(in zip: inout ZipContainer, fileName: String) throws -> DocumentMetadata? {
        guard let data = try zip.data("docProps/core.xml") else { return nil }
        let values = XMLEvents.texts(of: ["title", "creator", "created", "modified"],
                                     in: try XMLEvents.read(data, part: "docProps/core.xml", fileName: fileName))
        return DocumentMetadata(title: values["title"], author: values["creator"],
                                created: values["created"].flatMap(date), modified: values["modified"].flatMap(date))
    }

    /// A W3C date-time (`2024-01-01T08:30:00Z`, with or without fractional seconds or a time) as a date.
    static func date(_ text: String) -> Date? {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The relationships of `part` (id → target part path), from its `_rels/<name>.rels`.
    static func relationships(of part: String, in zip: inout ZipContainer, fileName: String) throws -> [String: String] {
        let folder = (part as NSString).deletingLastPathComponent
        let name = (part as NSString).lastPathComponent
        let path = (folder.isEmpty ? "" : folder + "/") + "_rels/\(name).rels"
        guard let data = try zip.data(path) else { return [:] }
        var targets: [String: String] = [:]
        for case .start("Relationship", let a) in try XMLEvents.read(data, part: path, fileName: fileName)
        where a["TargetMode"] != "External" {
            if let id = a["Id"], let target = a["Target"] { targets[id] = resolve(target, from: folder) }
        }
        return targets
    }

    /// A relationship target as a part path: absolute targets (`/word/document.xml`) lose their slash, relative
    /// ones are taken from `folder`, with `..` resolved.
    static func resolve(_ target: String, from folder: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for piece in target.split(separator: "/") {
            if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(piece) }
        }
        return parts.joined(separator: "/")
    }

    /// The heading level a paragraph style's name says: `heading 1`…`heading 9` (Word keeps built-in names in
    /// English), their localized forms (标题 1, Überschrift 1, Titre 1, 見出し 1, 제목 1…), and `Title` (标题) as 1.
    static func headingLevel(styleName: String) -> Int? {
        let name = styleName.lowercased().trimmingCharacters(in: .whitespaces)
        if ["title", "标题", "標題"].contains(name) { return 1 }
        for word in ["heading", "标题", "標題", "überschrift", "titre", "título", "titolo", "見出し", "제목", "заголовок", "kop"] {
            guard name.hasPrefix(word) else { continue }
            let rest = name.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
            if let level = Int(rest), (1...9).contains(level) { return level }
        }
        return nil
    }
}
