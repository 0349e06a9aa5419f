import Foundation
import Logging
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuStorage
import ZhikuTestSupport

/// Filters applied inside retrieval (``SearchFilter``, ``SearchScope``): on SQLite and on PostgreSQL, in every
/// search mode, with the real built-in embedding model.
@Suite struct HybridSearchFilterTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// Files, their tags, and text. Every file mentions receipts except the security note; the travel policy is the
    /// best match for the question overall.
    let documents: [(name: String, tags: [String], text: String)] = [
        ("travel-policy.txt", ["finance", "2024"],
         "Travel policy: economy class only. Hotel receipts must be filed within thirty days of the trip."),
        ("expenses.csv", ["finance"],
         "item,rule\nmeals,keep receipts for meals above fifty yuan\ntaxis,receipts are optional below twenty yuan"),
        ("年假制度.md", ["HR", "2024"],
         "# 年假制度\n员工年假申请需提前三天在系统中提交，经部门经理批准后生效。差旅报销的发票另见财务制度。"),
        ("security-note.txt", ["it"],
         "Passwords must be rotated every ninety days and never shared with colleagues."),
    ]

    func runtime(_ backend: Backend, _ folder: TemporaryFolder) async throws -> ZhikuRuntime {
        var configuration = ZhikuConfiguration(dataFolder: folder.url)
        if backend == .postgres {
            let url = try TestPostgres.url(for: "filtered search")
            let name = "zhiku_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            configuration.databaseURL = try await PostgreSQLDatabase.createDatabase(named: name, besides: url)
        }
        return try await ZhikuRuntime(configuration: configuration, logger: Logger(label: "t"))
    }

    func fill(_ runtime: ZhikuRuntime) async throws -> (KnowledgeBase, [String: FileRecord.ID]) {
        let kb = try await runtime.createKnowledgeBase(name: "policies")
        var jobs: [Job.ID] = [], ids: [String: FileRecord.ID] = [:]
        for document in documents {
            let writer = try runtime.blobs.makeWriter(limit: 1 << 20)
            try writer.append(Array(document.text.utf8))
            let added = try await runtime.addFile(try writer.finish(), name: document.name, to: kb)
            let tagged = try await runtime.store.setFileTags(id: added.file.id, try FileRecord.normalizedTags(document.tags))
            #expect(tagged.tags == document.tags)
            ids[document.name] = added.file.id
            if let job = added.job { jobs.append(job.id) }
        }
        try await runtime.drainJobs(ids: jobs) { #expect($0.status == .succeeded) }
        return (kb, ids)
    }

    @Test(arguments: Backend.allCases)
    func filtersNarrowEveryModeBeforeTheTopK(_ backend: Backend) async throws {
        guard (try? ModelLocation.folder(for: "multilingual-e5-small")) != nil else {
            try Skip.now("multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let folder = TemporaryFolder()
        let runtime = try await runtime(backend, folder)
        let (kb, ids) = try await fill(runtime)
        let question = "How many days do I have to file hotel receipts?"
        func names(_ filter: SearchFilter?, k: Int = 5, mode: SearchMode = .hybrid) async throws -> (names: [String], files: Int?) {
            let results = try await runtime.search(question, in: kb, k: k, mode: mode, filter: filter)
            return (results.hits.map(\.fileName), results.filteredFiles)
        }

        // Tags survive a read back.
        #expect(try await runtime.store.file(id: ids["年假制度.md"]!)?.tags == ["HR", "2024"])

        // Unfiltered: the travel policy first, and the search says it was not filtered.
        let all = try await names(nil, k: 1)
        #expect(all.names == ["travel-policy.txt"])
        #expect(all.files == nil)

        for mode in [SearchMode.hybrid, .keyword, .vector] {
            // k = 1 and the filter excludes the best file: the best passage of the files it lets through comes back
            // (a filter applied after the top k would leave nothing).
            let finance = try await names(SearchFilter(fileIDs: [ids["expenses.csv"]!]), k: 1, mode: mode)
            #expect(finance.names == ["expenses.csv"], "\(backend) \(mode)")
            #expect(finance.files == 1)
            // Tags: every listed tag, in any case.
            let hr = try await names(SearchFilter(tags: ["hr", "2024"]), mode: mode)
            #expect(Set(hr.names).isSubset(of: ["年假制度.md"]), "\(backend) \(mode): \(hr.names)")
            #expect(hr.files == 1)
            // A filter that matches no file returns nothing, and says so.
            let none = try await names(SearchFilter(tags: ["finance", "it"]), mode: mode)
            #expect(none.names.isEmpty)
            #expect(none.files == 0)
        }
        // The vector side finds the security note although it has nothing to say about receipts.
        #expect(try await names(SearchFilter(tags: ["it"]), mode: .vector).names == ["security-note.txt"])
        let receipts = try await runtime.search("hotel receipts", in: kb, k: 5, mode: .keyword, filter: SearchFilter(tags: ["it"]))
        #expect(receipts.hits.isEmpty && receipts.filteredFiles == 1, "no keyword of the note is in this query")

        // Media types, path prefixes, dates.
        #expect(Set(try await names(SearchFilter(mediaTypes: ["csv"])).names) == ["expenses.csv"])
        #expect(Set(try await names(SearchFilter(mediaTypes: ["text/markdown"])).names) == ["年假制度.md"])
        #expect(Set(try await names(SearchFilter(pathPrefix: "travel")).names) == ["travel-policy.txt"])
        let tomorrow = Date().addingTimeInterval(86_400)
        #expect(try await names(SearchFilter(after: tomorrow)).files == 0)
        #expect(try await names(SearchFilter(before: tomorrow)).files == documents.count)

        // An answer limited to no file says that, without asking a model.
        var request = Answerer.Request(question: question)
        request.filter = SearchFilter(pathPrefix: "no-such-")
        var reply = "", finish: FinishReason?
        for try await event in Answerer(runtime: runtime).answer(request, in: kb) {
            if case .notFound(let text) = event { reply = text }
            if case .done(let stats, _) = event { finish = stats.finishReason }
        }
        #expect(reply == Answerer.noFilesReply(for: question))
        #expect(finish == .notFound)
    }
}
