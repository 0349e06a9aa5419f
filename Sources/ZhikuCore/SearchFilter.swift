import Foundation

/// Which files of a knowledge base a search (and so an answer) may draw from. Every field that is set narrows the
/// files: a file must match all of them. Within a field, listed values are alternatives (any file id, any media
/// type), except tags: a file must carry every listed tag. An empty filter matches every file.
///
/// Applied inside retrieval, before the top k are chosen (``SearchScope``): a filter matching three files
/// returns the best passages of those three, and a filter matching no file returns nothing.
public struct SearchFilter: Sendable, Hashable, Codable {
    /// Only these files.
    public var fileIDs: [FileRecord.ID]?
    /// Only files carrying every one of these tags (compared without regard to case).
    public var tags: [String]?
    /// Only files of these kinds: a media type (`application/pdf`), its major part (`image`, `audio`), its minor
    /// part (`pdf`, `csv`) or a file-name extension (`docx`, `xlsx`).
    public var mediaTypes: [String]?
    /// Only documents dated on or after this time (see ``date(of:)``).
    public var after: Date?
    /// Only documents dated before this time.
    public var before: Date?
    /// Only files whose path (a synced file's path in its folder, an uploaded file's name) starts with this.
    public var pathPrefix: String?
    /// Only documents whose own metadata names this author, or whose title contains this (ignoring case).
    public var author: String?
    public var title: String?

    public init(fileIDs: [FileRecord.ID]? = nil, tags: [String]? = nil, mediaTypes: [String]? = nil, after: Date? = nil,
                before: Date? = nil, pathPrefix: String? = nil, author: String? = nil, title: String? = nil) {
        self.author = author
        self.title = title
        self.fileIDs = fileIDs
        self.tags = tags
        self.mediaTypes = mediaTypes
        self.after = after
        self.before = before
        self.pathPrefix = pathPrefix
    }

    /// The keys as Zhiku's API decoder sees them (it turns `file_ids` into `fileIds`) and its encoder writes them
    /// (`file_ids`, `media_types`, `path_prefix`).
    enum CodingKeys: String, CodingKey {
        case fileIDs = "fileIds", tags, mediaTypes, after, before, pathPrefix, author, title
    }

    /// Reads a filter a client sent; `after` and `before` may be a day (`2024-05-01`) or a full ISO 8601 time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fileIDs = try c.decodeIfPresent([FileRecord.ID].self, forKey: .fileIDs)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        mediaTypes = try c.decodeIfPresent([String].self, forKey: .mediaTypes)
        after = try c.decodeIfPresent(String.self, forKey: .after).map { try Self.parseDate($0, field: "filters.after") }
        before = try c.decodeIfPresent(String.self, forKey: .before).map { try Self.parseDate($0, field: "filters.before") }
        pathPrefix = try c.decodeIfPresent(String.self, forKey: .pathPrefix)
        author = try c.decodeIfPresent(String.self, forKey: .author)
        title = try c.decodeIfPresent(String.self, forKey: .title)
    }

    /// True when no field is set (every file matches).
    public var isEmpty: Bool {
        fileIDs == nil && (tags ?? []).isEmpty && mediaTypes == nil && after == nil && before == nil
            && (pathPrefix ?? "").isEmpty && (author ?? "").isEmpty && (title ?? "").isEmpty
    }

    /// The date a filter's range is compared with: the document's own modification date, else its creation date,
    /// else when the file was uploaded.
    public static func date(of file: FileRecord) -> Date {
        file.metadata?.modified ?? file.metadata?.created ?? file.createdAt
    }

    /// Whether `file` passes every field of the filter.
    public func matches(_ file: FileRecord) -> Bool {
        if let fileIDs, !fileIDs.contains(file.id) { return false }
        if let tags, !tags.isEmpty {
            let carried = Set(file.tags.map { $0.lowercased() })
            guard tags.allSatisfy({ carried.contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }) else { return false }
        }
        if let mediaTypes, !mediaTypes.contains(where: { Self.kind($0, matches: file) }) { return false }
        let date = Self.date(of: file)
        if let after, date < after { return false }
        if let before, date >= before { return false }
        if let pathPrefix, !pathPrefix.isEmpty, !(file.path ?? file.name).hasPrefix(pathPrefix) { return false }
        if let author, !author.isEmpty, !(file.metadata?.author ?? "").localizedCaseInsensitiveContains(author) { return false }
        if let title, !title.isEmpty, !(file.metadata?.title ?? "").localizedCaseInsensitiveContains(title) { return false }
        return true
    }

    /// Whether a media-type filter value names the file's kind.
    private static func kind(_ value: String, matches file: FileRecord) -> Bool {
        let wanted = value.trimmingCharacters(in: .whitespaces).lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        guard !wanted.isEmpty else { return false }
        let type = file.mediaType.rawValue
        if wanted.contains("/") { return type == wanted || (wanted.hasSuffix("/") && type.hasPrefix(wanted)) }
        let parts = type.split(separator: "/").map(String.init)
        if parts.first == wanted || parts.last == wanted { return true }
        return (file.name as NSString).pathExtension.lowercased() == wanted
    }

    /// Checks the values a client sent; throws `.invalidInput` naming the first bad one.
    public func validated() throws -> SearchFilter {
        if let after, let before, after >= before {
            throw ZhikuError.invalidInput("the filter's date range is empty: 'after' must be earlier than 'before'")
        }
        for tag in tags ?? [] { _ = try FileRecord.normalizedTags([tag]) }
        return self
    }

    /// Reads a date a person writes in a filter: `2024-05-01`, or a full ISO 8601 time (`2024-05-01T08:00:00Z`).
    public static func parseDate(_ text: String, field: String) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if trimmed.count == 10, let date = day.date(from: trimmed) { return date }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: trimmed) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: trimmed) { return date }
        throw ZhikuError.invalidInput("\(field) must be a date like 2024-05-01 or 2024-05-01T08:00:00Z, got '\(text)'")
    }
}
