import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import ZhikuTestSupport

/// The `zhiku` executable, run as a separate process.
@Suite(.waitsOnProcesses) struct CommandLineTests {
    @Test func splitPrintsAJSONArray() throws {
        let result = try CLI.run(["split", "--chunk-size", "10", "--chunk-overlap", "4"], input: "aa bb cc dd ee ff gg")
        #expect(result.status == 0, "\(result.stderr)")
        let chunks = try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
        #expect(chunks == ["aa bb cc", "cc dd ee", "ee ff gg"])

        let zh = try CLI.run(["split", "--chunk-size", "8", "--chunk-overlap", "0", "--separators", #"["\n\n","\n","。",""]"#],
                             input: "第一句话在这里。第二句话也在这里。")
        #expect(try JSONDecoder().decode([String].self, from: Data(zh.stdout.utf8)) == ["第一句话在这里", "。第二句话也在这", "里", "。"])
    }

    @Test func splitMatchesGoldenCasesThroughTheCommandLine() throws {
        guard let folder = SharedEval.folder("splitter") else {
            try SharedEval.skip("splitter golden cases via the CLI")
        }
        struct Case: Decodable {
            var chunk_size: Int, chunk_overlap: Int, separators: [String], text: String, chunks: [String]
        }
        let lines = try String(contentsOf: folder.appendingPathComponent("cases.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        // Every 40th case keeps the process count small; the library test covers all of them.
        for line in lines.enumerated().filter({ $0.offset % 40 == 0 }).map(\.element) {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let separators = String(decoding: try JSONEncoder().encode(c.separators), as: UTF8.self)
            let r = try CLI.run(["split", "--chunk-size", "\(c.chunk_size)", "--chunk-overlap", "\(c.chunk_overlap)",
                                 "--separators", separators], input: c.text)
            #expect(r.status == 0)
            #expect(try JSONDecoder().decode([String].self, from: Data(r.stdout.utf8)) == c.chunks)
        }
    }

    @Test func badArgumentsGiveOneLineAndNonZeroExit() throws {
        let overlap = try CLI.run(["split", "--chunk-size", "10", "--chunk-overlap", "20"], input: "x")
        #expect(overlap.status != 0)
        #expect(overlap.stderr.contains("chunk overlap (20) must not be larger than chunk size (10)"))
        let separators = try CLI.run(["split", "--separators", "not json"], input: "x")
        #expect(separators.status != 0)
        #expect(separators.stderr.contains("--separators must be a JSON array"))

        let data = TemporaryFolder()
        let missing = try CLI.run(["search", "--kb", "nope", "anything"], data: data.url)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("knowledge base 'nope' does not exist"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test func usersAndKeysAreManagedFromTheCommandLine() throws {
        let data = TemporaryFolder()
        let made = try CLI.run(["user", "create", "carol", "--role", "admin"], data: data.url)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("created admin 'carol'") && made.stdout.contains("password: "))
        #expect(try CLI.run(["user", "create", "carol"], data: data.url).status != 0, "a taken name")
        #expect(try CLI.run(["user", "create", "dan", "--password", "short"], data: data.url).status != 0)
        let listed = try CLI.run(["user", "list", "--json"], data: data.url)
        #expect(listed.stdout.contains("\"name\":\"carol\""))
        let key = try CLI.run(["key", "create", "--user", "carol", "--name", "ci"], data: data.url)
        #expect(key.status == 0)
        #expect(key.stdout.hasPrefix("zk_") && key.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count > 40)
        let keys = try CLI.run(["key", "list", "--user", "carol"], data: data.url)
        #expect(keys.stdout.contains("active") && !keys.stdout.contains(key.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
                "the key is never shown again")
        let id = String(keys.stdout.split(separator: "\t").first ?? "")
        #expect(try CLI.run(["key", "revoke", id], data: data.url).status == 0)
        #expect(try CLI.run(["key", "list", "--user", "carol"], data: data.url).stdout.contains("revoked"))
        #expect(try CLI.run(["key", "revoke", id], data: data.url).status != 0)
        #expect(try CLI.run(["user", "delete", "carol"], data: data.url).status == 0)
        #expect(try CLI.run(["user", "delete", "carol"], data: data.url).status != 0)
    }

    @Test func backupWhileServingAndRestore() async throws {
        let data = TemporaryFolder(), files = TemporaryFolder(), backups = TemporaryFolder()
        let note = files.url.appendingPathComponent("visitors.txt")
        try Data("Visitors sign in at the front desk and wear a badge.".utf8).write(to: note)
        let ingested = try CLI.run(["ingest", "--kb", "office", "--create", note.path], data: data.url,
                                   environment: ["ZHIKU_EMBEDDING_MODEL": "none"])
        #expect(ingested.status == 0, "\(ingested.stderr)")

        // Taken while a server is running on the same data folder.
        let (server, _) = try CLI.startServer(data: data.url)
        defer { server.terminate() }
        let target = backups.url.appendingPathComponent("monday")
        let backup = try await CLI.runDetached(["backup", target.path], data: data.url)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("backed up 1 files in 1 knowledge bases"))
        #expect(try await CLI.runDetached(["backup", target.path], data: data.url).status != 0, "never into a folder that is not empty")

        let restored = TemporaryFolder()
        let restore = try await CLI.runDetached(["restore", target.path], data: restored.url)
        #expect(restore.status == 0, "\(restore.stderr)")
        let search = try await CLI.runDetached(["search", "--kb", "office", "--json", "badge"], data: restored.url)
        #expect(search.stdout.contains("visitors.txt"), "\(search.stdout) \(search.stderr)")
        #expect(try await CLI.runDetached(["restore", target.path], data: restored.url).status != 0, "an existing database needs --force")

        // A damaged backup is refused with the file it lost.
        let blobs = target.appendingPathComponent("blobs")
        for shard in try FileManager.default.contentsOfDirectory(atPath: blobs.path) {
            try FileManager.default.removeItem(at: blobs.appendingPathComponent(shard))
        }
        let damaged = try await CLI.runDetached(["restore", "--force", target.path], data: TemporaryFolder().url)
        #expect(damaged.status != 0)
        #expect(damaged.stderr.contains("'visitors.txt' in 'office'"))
    }

    @Test func jsonLogsCarryTheRequestID() async throws {
        let data = TemporaryFolder()
        let server = CLI.process(["serve", "--port", "0"], data: data.url,
                                 environment: ["ZHIKU_LOG_FORMAT": "json", "ZHIKU_LOG_LEVEL": "debug"])
        let out = Pipe(), err = Pipe()
        server.standardOutput = out
        server.standardError = err
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let banner = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let base = try #require(banner.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(banner[$0]) })
        var request = URLRequest(url: URL(string: base + "/api/kbs/nope")!)
        request.setValue("trace-json-1", forHTTPHeaderField: "X-Request-Id")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "X-Request-Id") == "trace-json-1")
        server.terminate()
        let lines = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(!lines.isEmpty && objects.count == lines.count, "every log line is a JSON object: \(lines.prefix(3))")
        #expect(objects.contains { $0["request_id"] as? String == "trace-json-1" && ($0["message"] as? String)?.contains("404") == true },
                "the request's line carries its id")
        #expect(objects.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["message"] != nil })
    }

    @Test func signInCannotBeTurnedOffOffLoopback() throws {
        let data = TemporaryFolder()
        let refused = try CLI.run(["serve", "--host", "0.0.0.0", "--port", "0"], data: data.url, environment: ["ZHIKU_AUTH": "off"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("ZHIKU_AUTH=off is allowed only on a loopback address"))
    }

    @Test func ocrPrintsImagesAndScannedPagesAsIndexed() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        let png = folder.url.appendingPathComponent("memo.png"), jpg = folder.url.appendingPathComponent("scan.jpg")
        try TestImages.render(TestImages.english, to: png)
        try TestImages.render(TestImages.chinese, to: jpg)
        let text = try CLI.run(["ocr", png.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(TestImages.characterErrorRate(expected: TestImages.english, actual: text.stdout) <= 0.02, "\(text.stdout)")
        let pdf = folder.write("mixed.pdf", TestDocuments.mixedPDF([
            .text(["A text page about the quarterly budget review and its deadline."]),
            .scan(jpeg: [UInt8](try Data(contentsOf: jpg)), dpi: 300)]))
        let json = try CLI.run(["ocr", "--json", pdf.path])
        #expect(json.status == 0, "\(json.stderr)")
        let pages = ((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any])?["pages"] as? [[String: Any]] ?? []
        #expect(pages.count == 2)
        #expect(pages.first?["engine"] == nil, "the text page keeps its text layer")
        #expect((pages.last?["engine"] as? String)?.hasPrefix(TestImages.defaultEngine) == true, "\(pages.last?["engine"] ?? "none")")
        #expect(((pages.last?["words"] as? [[String: Any]])?.count ?? 0) > 10, "word boxes of the scanned page")
        #expect((pages.last?["confidence"] as? Double ?? 0) > 60)
        // Either engine on request, each named on the page; an unknown one refused.
        let tesseract = try CLI.run(["ocr", "--json", "--engine", "tesseract", jpg.path])
        #expect(tesseract.stdout.contains("\"engine\":\"tesseract"), "\(tesseract.stdout.prefix(300))")
        let bogus = try CLI.run(["ocr", "--engine", "abbyy", jpg.path])
        #expect(bogus.status != 0 && bogus.stderr.contains("auto, paddle or tesseract"), "\(bogus.stderr)")
        let notImage = try CLI.run(["ocr", folder.write("notes.txt", "plain text").path])
        #expect(notImage.status != 0)
        #expect(notImage.stderr.contains("not an image or a PDF"))
    }

    @Test func ingestAFolderThenSearchIt() throws {
        let data = TemporaryFolder()
        let docs = TemporaryFolder()
        docs.write("handbook/leave.txt", "员工年假申请流程：提前三天提交申请，经理批准后生效。")
        docs.write("handbook/copy-of-leave.txt", "员工年假申请流程：提前三天提交申请，经理批准后生效。")
        docs.write("handbook/report.pdf", TestDocuments.pdf(pages: [["Cover page"], ["Travel expenses need receipts."]]))
        docs.write("handbook/notes/empty.md", [])
        docs.write("handbook/notes/junk.txt", TestDocuments.junk(count: 2048))
        docs.write("handbook/.hidden.txt", "hidden files are skipped")

        #expect(try CLI.run(["kb", "create", "手册"], data: data.url).status == 0)
        let ingest = try CLI.run(["ingest", "--kb", "手册", docs.url.appendingPathComponent("handbook").path], data: data.url)
        #expect(ingest.status != 0, "failures make the exit status non-zero")
        #expect(ingest.stdout.contains("ingested 2, skipped 1 as duplicate, failed 2"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("empty.md"))
        #expect(ingest.stdout.contains("junk.txt"))
        #expect(!ingest.stdout.contains("hidden"))

        let search = try CLI.run(["search", "--kb", "手册", "--mode", "keyword", "--json", "年假"], data: data.url)
        #expect(search.status == 0, "\(search.stderr)")
        let hits = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as! [[String: Any]]
        #expect(hits.first?["file_name"] as? String == "copy-of-leave.txt" || hits.first?["file_name"] as? String == "leave.txt")
        #expect(hits.count == 1, "the duplicate was stored once")

        // The default (hybrid) search fuses both retrievers and says what each contributed.
        let hybrid = try CLI.run(["search", "--kb", "手册", "--json", "年假怎么申请"], data: data.url)
        let fused = try JSONSerialization.jsonObject(with: Data(hybrid.stdout.utf8)) as! [[String: Any]]
        #expect((fused.first?["file_name"] as? String)?.hasSuffix("leave.txt") == true)
        #expect(fused.first?["keyword_rank"] as? Int == 1)
        #expect(fused.first?["vector_rank"] as? Int == 1)
        #expect(fused.count == 3, "three chunks in all: the leave text and the two pages of the PDF")
        #expect(try CLI.run(["search", "--kb", "手册", "--mode", "fuzzy", "x"], data: data.url).status != 0)

        let pdf = try CLI.run(["search", "--kb", "手册", "travel receipts"], data: data.url)
        #expect(pdf.stdout.contains("report.pdf · page 2"))

        // Questions: an extractive answer (no language model) quotes the sentence; an absent topic is refused in Chinese.
        let ask = try CLI.run(["ask", "--kb", "手册", "--extractive", "--json", "年假怎么申请？"], data: data.url)
        #expect(ask.status == 0, "\(ask.stderr)")
        let answer = (try? JSONSerialization.jsonObject(with: Data(ask.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(answer["answer"] as? String == "[1] 员工年假申请流程：提前三天提交申请，经理批准后生效。")
        #expect(((answer["citations"] as? [[String: Any]])?.first?["file_name"] as? String)?.hasSuffix("leave.txt") == true)
        #expect(answer["not_found"] as? Bool == false)
        let refused = try CLI.run(["ask", "--kb", "手册", "量子计算机的纠错码是怎么工作的？"], data: data.url)
        #expect(refused.status == 0)
        #expect(refused.stdout.contains("知识库中没有找到"))
        #expect(!refused.stdout.contains("Sources:"))
        #expect(try CLI.run(["ask", "--kb", "nope", "x"], data: data.url).status != 0)
        let chat = try CLI.run(["chat", "--kb", "手册", "--max-tokens", "16"], data: data.url,
                               input: "年假怎么申请？\n/new\nDo travel expenses need receipts?\n")
        if chat.stderr.contains("is not installed") {
            try Skip.now("zhiku chat — the default chat model is not installed (scripts/fetch-models.sh fetches it)")
        } else {
            #expect(chat.status == 0, "\(chat.stderr)")
            #expect(chat.stdout.components(separatedBy: "Sources:").count == 3, "two answers, each with its sources")
            #expect(chat.stdout.contains("(new conversation)"))
        }

        let again = try CLI.run(["ingest", "--kb", "手册", docs.url.appendingPathComponent("handbook/leave.txt").path],
                                data: data.url)
        #expect(again.status == 0)
        #expect(again.stdout.contains("ingested 0, skipped 1 as duplicate, failed 0"))

        let list = try CLI.run(["kb", "list"], data: data.url)
        #expect(list.stdout.contains("手册\t3 file(s), 2 ready"), "the empty file was refused before it became a file")
        #expect(try CLI.run(["kb", "delete", "手册"], data: data.url).status == 0)
        #expect(try CLI.run(["kb", "list"], data: data.url).stdout.contains("no knowledge bases yet"))
    }
}

/// `zhiku generate` as its contract says: messages on stdin, `--greedy`, `--raw`, `--json`.
@Suite(.waitsOnProcesses) struct GenerateCommandTests {
    @Test func greedyAnswerToAKnownQuestion() throws {
        let messages = #"[{"role": "user", "content": "What is the capital of France?"}]"#
        let run = try CLI.run(["generate", "--greedy", "--max-tokens", "16", "--json"], input: messages)
        if run.stderr.contains("is not installed") {
            try Skip.now("the default chat model is not installed (scripts/fetch-models.sh fetches it)")
        }
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((object["text"] as? String)?.contains("Paris") == true, "\(object["text"] ?? "")")
        #expect((object["prompt_token_ids"] as? [Int])?.first == 151644, "the prompt opens with Qwen's <|im_start|>")
        #expect(((object["completion_token_ids"] as? [Int]) ?? []).count > 2)

        let raw = try CLI.run(["generate", "--greedy", "--raw", "--max-tokens", "3", "--json"], input: "The capital of France is")
        let rawObject = try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((rawObject["prompt_token_ids"] as? [Int])?.first != 151644, "no chat template with --raw")
        #expect((rawObject["completion_token_ids"] as? [Int])?.count == 3)

        let bad = try CLI.run(["generate", "--json"], input: "not json")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("JSON array"))
    }
}
