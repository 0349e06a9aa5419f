import Foundation
import Testing
import ZhikuTestSupport

/// `zhiku eval` as a user runs it: a real process, the real pipeline and models, JSON out.
@Suite(.waitsOnProcesses) struct EvalTests {
    func scores(_ stdout: String) throws -> (dataset: String, modes: [String: [String: Double]]) {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
        let modes = (object["modes"] as? [String: [String: Any]] ?? [:]).mapValues { $0.compactMapValues { $0 as? Double } }
        return (object["dataset"] as? String ?? "", modes)
    }

    /// A small collection where each query names its document's rare words: every mode must find them, and the
    /// JSON has the documented shape.
    @Test func scoresAGeneratedCollection() throws {
        let folder = TemporaryFolder()
        let topics = ["volcano eruption lava", "violin concerto orchestra", "glacier melting ice", "tax refund forms",
                      "熊猫 竹子 四川", "长城 砖石 明朝", "茶叶 采摘 春天", "高铁 车站 时刻表"]
        var corpus = "", queries = "", qrels = "query-id\tcorpus-id\tscore\n"
        for (i, topic) in topics.enumerated() {
            corpus += "{\"_id\": \"d\(i)\", \"title\": \"\", \"text\": \"A note about \(topic) and nothing else.\"}\n"
            queries += "{\"_id\": \"q\(i)\", \"text\": \"\(topic)\"}\n"
            qrels += "q\(i)\td\(i)\t1\n"
        }
        folder.write("small/corpus.jsonl", corpus)
        folder.write("small/queries.jsonl", queries)
        folder.write("small/qrels/test.tsv", qrels)
        let run = try CLI.run(["eval", folder.url.appendingPathComponent("small").path, "--json"], data: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try scores(run.stdout)
        #expect(result.dataset == "small")
        #expect(Set(result.modes.keys) == ["keyword", "vector", "hybrid"])
        for (mode, s) in result.modes {
            #expect(Set(s.keys) == ["ndcg@10", "mrr@10", "recall@10", "recall@100", "p50_ms", "p99_ms"], "\(mode)")
            #expect(s["ndcg@10"] == 1, "\(mode) ranks every query's document first")
            #expect((s["p50_ms"] ?? -1) > 0)
        }

        let table = try CLI.run(["eval", folder.url.appendingPathComponent("small").path], data: nil)
        #expect(table.stdout.contains("hybrid"))
        #expect(table.stdout.contains("nDCG@10"))
        let missing = try CLI.run(["eval", folder.url.appendingPathComponent("nowhere").path], data: nil)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("corpus.jsonl"))
    }

    /// The dev sets: hybrid search must rank at least as well as the better of keyword and vector search.
    @Test(arguments: ["zh-idioms-dev", "bbc-headlines-dev"])
    func hybridIsAtLeastAsGoodAsEitherSideOnTheDevSets(_ name: String) async throws {
        guard let folder = SharedEval.folder("retrieval/\(name)") else {
            try SharedEval.skip("retrieval/\(name)")
        }
        let run = try await CLI.runDetached(["eval", folder.path, "--json"], data: nil)
        #expect(run.status == 0, "\(run.stderr)")
        let modes = try scores(run.stdout).modes
        print("zhiku eval \(name): \(run.stdout)")
        let keyword = modes["keyword"]?["ndcg@10"] ?? 0, vector = modes["vector"]?["ndcg@10"] ?? 0
        let hybrid = modes["hybrid"]?["ndcg@10"] ?? 0
        #expect(keyword > 0.3 && vector > 0.3, "both retrievers work: keyword \(keyword), vector \(vector)")
        #expect(hybrid >= max(keyword, vector), "hybrid \(hybrid) vs keyword \(keyword), vector \(vector)")
    }
}
