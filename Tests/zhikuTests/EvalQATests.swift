import Foundation
import Testing
import ZhikuTestSupport

/// `zhiku eval-qa` on a small part of the development QA set (../shared/eval/qa), as CI can afford it: the three
/// real documents (fetched from Debian's packages by the set's own fetch.sh into the cache, checked by sha256),
/// four questions — two Chinese, one English, one unanswerable — through the normal answer path with the default
/// chat model. The whole set's figures are in BENCHMARKS.md.
@Suite(.serialized, .waitsOnProcesses) struct EvalQATests {
    @Test func answersASubsetOfTheDevelopmentSet() async throws {
        guard let qa = SharedEval.folder("qa") else { try SharedEval.skip("qa set") }
        let cache = try SharedEval.qaDocuments()
        // A folder with the chosen questions only.
        let folder = TemporaryFolder()
        let wanted: Set<String> = ["zh-09", "zh-20", "en-10", "un-05"]
        let lines = try String(contentsOf: qa.appendingPathComponent("questions.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { line in wanted.contains { line.contains("\"id\": \"\($0)\"") } }
        #expect(lines.count == 4)
        folder.write("set/questions.jsonl", lines.joined(separator: "\n") + "\n")
        let run = try await CLI.runDetached(["eval-qa", folder.url.appendingPathComponent("set").path, "--docs", cache.path,
                                             "--max-tokens", "64", "--json"], data: nil)
        if run.stderr.contains("is not installed") { try Skip.now("the default chat model is not installed") }
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        print("eval-qa subset: \(report.filter { $0.key != "answers" })")
        #expect(report["questions"] as? Int == 4)
        #expect(report["answerable"] as? Int == 3)
        for key in ["hit_at1", "hit_at5", "contains_fact", "cites_right_page", "correct", "refused_unanswerable",
                    "refused_answerable", "first_token_p50_ms", "first_token_p95_ms"] {
            #expect(report[key] is Double, "\(key)")
        }
        // Retrieval finds the answering page of every answerable question among the first five.
        #expect(report["hit_at5"] as? Double == 1)
        #expect((report["first_token_p50_ms"] as? Double ?? 0) > 0)
        let answers = report["answers"] as? [[String: Any]] ?? []
        #expect(answers.count == 4)
        #expect(answers.allSatisfy { !(($0["answer"] as? String) ?? "").isEmpty })
        // At least one answer of the three carries its fact (all three did when this test was written).
        #expect(answers.contains { $0["contains_fact"] as? Bool == true })
    }
}
