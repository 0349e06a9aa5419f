import Foundation
import Testing
import ZhikuCore
import ZhikuRetrieval
import ZhikuTestSupport

@Suite struct BEIRDatasetTests {
    @Test func readsCorpusQueriesAndJudgments() throws {
        let folder = TemporaryFolder()
        folder.write("corpus.jsonl", """
            {"_id": "d1", "title": "年假", "text": "员工年假申请流程"}
            {"_id": 2, "text": "no title here"}

            """)
        folder.write("queries.jsonl", """
            {"_id": "q1", "text": "怎么请年假"}
            {"_id": "q2", "text": "not judged"}
            {"_id": "q3", "text": "judged irrelevant only"}
            """)
        folder.write("qrels/test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t2\t2\nq3\td1\t0\n")
        let set = try BEIRDataset(folder: folder.url)
        #expect(set.corpus.map(\.id) == ["d1", "2"])
        #expect(set.corpus[0].indexedText == "年假\n员工年假申请流程")
        #expect(set.corpus[1].indexedText == "no title here")
        #expect(set.queries.map(\.id) == ["q1"], "only queries with a relevant document are scored")
        #expect(set.relevant["q1"] == ["d1", "2"])
    }

    @Test func badFilesNameTheLine() throws {
        let folder = TemporaryFolder()
        folder.write("corpus.jsonl", "{\"_id\": \"d1\", \"text\": \"ok\"}\n{broken\n")
        folder.write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"x\"}\n")
        folder.write("qrels/test.tsv", "q1\td1\t1\n")
        #expect { try BEIRDataset(folder: folder.url) } throws: { error in
            (error as? ZhikuError)?.message.contains("corpus.jsonl line 2") == true
        }
        #expect(throws: ZhikuError.self) { try BEIRDataset(folder: folder.url.appendingPathComponent("missing")) }
    }
}
