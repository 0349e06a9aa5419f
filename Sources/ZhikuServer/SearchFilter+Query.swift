import Hummingbird
import ZhikuCore

extension SearchFilter {
    /// The filter a search URL's parameters describe (nil when they set none): `file_id` and `type` (repeated or
    /// comma-separated), `tag` (repeated; a file must carry every one), `after` and `before` (a day or an ISO 8601
    /// time), `path` (a path prefix), `author` and `title` (words of the document's own metadata). A malformed value is `.invalidInput` naming the parameter.
    static func from(query parameters: Parameters) throws -> SearchFilter? {
        func values(_ name: String, splittingCommas: Bool) -> [String]? {
            let raw = parameters.getAll(name)
            let parts = splittingCommas ? raw.flatMap { $0.split(separator: ",").map(String.init) } : raw
            let kept = parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return kept.isEmpty ? nil : kept
        }
        var filter = SearchFilter()
        if let ids = values("file_id", splittingCommas: true) {
            filter.fileIDs = try ids.map { text in
                guard let id = FileRecord.ID(text) else { throw ZhikuError.invalidInput("file_id must be a file's number, got '\(text)'") }
                return id
            }
        }
        filter.tags = values("tag", splittingCommas: false)
        filter.mediaTypes = values("type", splittingCommas: true)
        if let after = parameters.get("after"), !after.isEmpty { filter.after = try parseDate(after, field: "after") }
        if let before = parameters.get("before"), !before.isEmpty { filter.before = try parseDate(before, field: "before") }
        if let path = parameters.get("path"), !path.isEmpty { filter.pathPrefix = path }
        if let author = parameters.get("author"), !author.isEmpty { filter.author = author }
        if let title = parameters.get("title"), !title.isEmpty { filter.title = title }
        return filter.isEmpty ? nil : try filter.validated()
    }
}
