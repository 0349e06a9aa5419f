import Foundation
import Testing
import ZhikuCore

/// Which files a ``SearchFilter`` lets through, how it reads from JSON, and how tags are kept.
@Suite struct SearchFilterTests {
    let uploaded = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15

    func file(_ id: FileRecord.ID, _ name: String, _ type: MediaType, tags: [String] = [], modified: Date? = nil) -> FileRecord {
        FileRecord(id: id, knowledgeBaseID: 1, name: name, sha256: "x", mediaType: type, size: 1, createdAt: uploaded,
                   metadata: modified.map { DocumentMetadata(modified: $0) }, tags: tags)
    }

    @Test func everyFieldNarrows() throws {
        let contract = file(1, "contracts-2023-lease.pdf", .pdf, tags: ["Legal", "2023"],
                            modified: try SearchFilter.parseDate("2023-03-01", field: "t"))
        let photo = file(2, "whiteboard.jpg", .jpeg, tags: ["meeting"])
        let sheet = file(3, "budget.xlsx", .xlsx, tags: ["finance", "legal"])

        #expect(SearchFilter().isEmpty)
        #expect(SearchFilter(tags: []).isEmpty)
        #expect([contract, photo, sheet].allSatisfy { SearchFilter().matches($0) })
        #expect(SearchFilter(fileIDs: [2, 3]).matches(photo) && !SearchFilter(fileIDs: [2, 3]).matches(contract))
        // Tags: every one, in any case.
        #expect(SearchFilter(tags: ["legal"]).matches(contract) && SearchFilter(tags: ["legal"]).matches(sheet))
        #expect(SearchFilter(tags: ["legal", "2023"]).matches(contract) && !SearchFilter(tags: ["legal", "2023"]).matches(sheet))
        // Kinds: the whole type, its major or minor part, or the extension.
        #expect(SearchFilter(mediaTypes: ["pdf"]).matches(contract))
        #expect(SearchFilter(mediaTypes: ["application/pdf"]).matches(contract))
        #expect(SearchFilter(mediaTypes: ["image"]).matches(photo) && !SearchFilter(mediaTypes: ["image"]).matches(contract))
        #expect(SearchFilter(mediaTypes: ["image/"]).matches(photo))
        #expect(SearchFilter(mediaTypes: ["XLSX"]).matches(sheet) && SearchFilter(mediaTypes: [".xlsx"]).matches(sheet))
        #expect(SearchFilter(mediaTypes: ["docx", "jpeg"]).matches(photo) && !SearchFilter(mediaTypes: ["docx"]).matches(sheet))
        // Dates: the document's own, else the upload's; after is inclusive, before exclusive.
        let march = try SearchFilter.parseDate("2023-03-01", field: "t")
        #expect(SearchFilter(after: march).matches(contract) && !SearchFilter(before: march).matches(contract))
        #expect(SearchFilter(after: try SearchFilter.parseDate("2025-01-01", field: "t")).matches(photo))
        #expect(!SearchFilter(after: try SearchFilter.parseDate("2025-01-01", field: "t")).matches(contract))
        // Path prefix.
        #expect(SearchFilter(pathPrefix: "contracts-").matches(contract) && !SearchFilter(pathPrefix: "contracts-").matches(sheet))
        // The document's own metadata: author and title, parts of them, any case.
        var report = file(4, "q3.pdf", .pdf)
        report.metadata = DocumentMetadata(title: "Quarterly Report 2024", author: "王小明")
        #expect(SearchFilter(author: "小明").matches(report) && !SearchFilter(author: "小明").matches(photo))
        #expect(SearchFilter(title: "quarterly").matches(report) && !SearchFilter(title: "annual").matches(report))
        #expect(!SearchFilter(author: "x").isEmpty && SearchFilter(author: "").isEmpty)
        // All fields at once must all hold.
        #expect(!SearchFilter(tags: ["legal"], mediaTypes: ["pdf"], pathPrefix: "budget").matches(contract))
    }

    @Test func readsWhatClientsSend() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase  // the API's decoder
        let json = #"{"file_ids": [4, 5], "tags": ["合同"], "media_types": ["pdf"], "after": "2024-01-01", "before": "2024-07-01T12:00:00Z", "path_prefix": "legal/"}"#
        let filter = try decoder.decode(SearchFilter.self, from: Data(json.utf8))
        #expect(filter.fileIDs == [4, 5])
        #expect(filter.tags == ["合同"])
        #expect(filter.mediaTypes == ["pdf"])
        #expect(filter.after == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(filter.before == Date(timeIntervalSince1970: 1_719_835_200))
        #expect(filter.pathPrefix == "legal/")
        #expect(throws: ZhikuError.self) { try decoder.decode(SearchFilter.self, from: Data(#"{"after": "last week"}"#.utf8)) }
        #expect(throws: ZhikuError.self) {
            try SearchFilter(after: Date(timeIntervalSince1970: 10), before: Date(timeIntervalSince1970: 5)).validated()
        }
        // Written back with the API's snake-case keys.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = String(decoding: try encoder.encode(SearchFilter(fileIDs: [1], pathPrefix: "a")), as: UTF8.self)
        #expect(text.contains("\"file_ids\"") && text.contains("\"path_prefix\""))
    }

    @Test func tagsAreTrimmedAndKeptOnce() throws {
        #expect(try FileRecord.normalizedTags([" 合同 ", "Legal", "legal", "", "2024"]) == ["合同", "Legal", "2024"])
        #expect(throws: ZhikuError.self) { try FileRecord.normalizedTags(["a\u{7}b"]) }
        #expect(throws: ZhikuError.self) { try FileRecord.normalizedTags([String(repeating: "x", count: 101)]) }
        #expect(throws: ZhikuError.self) { try FileRecord.normalizedTags((0...FileRecord.maxTags).map { "t\($0)" }) }
    }
}
