import ArgumentParser
import ZhikuCore

/// `--file-id`, `--tag`, `--type`, `--after`, `--before`, `--path`: the ``SearchFilter`` of a search or a
/// question on the command line.
public struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("file-id"), help: "Only this file (repeatable).") public var fileIDs: [Int64] = []
    @Option(name: .customLong("tag"), help: "Only files carrying this tag (repeatable: every tag given).") public var tags: [String] = []
    @Option(name: .customLong("type"), help: "Only files of this kind: pdf, image, audio, docx, text/csv, … (repeatable).")
    public var types: [String] = []
    @Option(help: "Only documents dated on or after this day (2024-05-01) or time.") public var after: String?
    @Option(help: "Only documents dated before this day or time.") public var before: String?
    @Option(help: "Only files whose path (an uploaded file's name) starts with this.") public var path: String?
    @Option(help: "Only documents whose metadata names this author (part of the name is enough).") public var author: String?
    @Option(help: "Only documents whose metadata title contains this.") public var title: String?

    public init() {}

    /// The filter the options set; nil when they set none.
    public func filter() throws -> SearchFilter? {
        let filter = SearchFilter(fileIDs: fileIDs.isEmpty ? nil : fileIDs, tags: tags.isEmpty ? nil : tags,
                                  mediaTypes: types.isEmpty ? nil : types,
                                  after: try after.map { try SearchFilter.parseDate($0, field: "--after") },
                                  before: try before.map { try SearchFilter.parseDate($0, field: "--before") },
                                  pathPrefix: path, author: author, title: title)
        return filter.isEmpty ? nil : try filter.validated()
    }
}
