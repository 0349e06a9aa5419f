import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuRetrieval
import ZhikuTestSupport
@testable import ZhikuProviders

/// The `/rerank` client: both reply shapes, its URLs, its errors, and real HTTP against a second Zhiku process's
/// `POST /v1/rerank`.
@Suite struct HTTPRerankerTests {
    @Test func readsCohereAndTEIReplies() throws {
        let cohere = Data(#"{"id":"x","results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.2}],"meta":{}}"#.utf8)
        #expect(try HTTPReranker.scores(from: cohere, count: 2, url: "u") == [0.2, 0.9])
        let tei = Data(#"[{"index":0,"score":-1.5},{"index":2,"score":3.25},{"index":1,"score":0.0}]"#.utf8)
        #expect(try HTTPReranker.scores(from: tei, count: 3, url: "u") == [-1.5, 0.0, 3.25])
        // A reply that leaves a passage out, or is something else, is an error that says so.
        #expect { try HTTPReranker.scores(from: cohere, count: 3, url: "u") } throws: { error in
            (error as? ZhikuError)?.message == "the rerank server scored 2 of 3 passages"
        }
        #expect { try HTTPReranker.scores(from: Data(#"{"error":{"message":"no"}}"#.utf8), count: 1, url: "u") } throws: { error in
            (error as? ZhikuError)?.detail == "u: no"
        }
    }

    @Test func urls() {
        #expect(HTTPReranker(.init(baseURL: "http://h:1", model: "m")).url == "http://h:1/v1/rerank")
        #expect(HTTPReranker(.init(baseURL: "http://h:1/v1/", model: "m")).url == "http://h:1/v1/rerank")
        #expect(HTTPReranker(.init(baseURL: "http://h:8080/rerank", model: "m")).url == "http://h:8080/rerank")
    }

    @Test func unreachableServerFails() async throws {
        var configuration = HTTPReranker.Configuration(baseURL: "http://127.0.0.1:9", model: "m")
        configuration.retries = 0
        configuration.timeout = .seconds(1)
        await #expect { _ = try await HTTPReranker(configuration).scores(query: "q", passages: ["a"]) } throws: { error in
            let e = error as? ZhikuError
            return e?.code == .upstreamFailed && e?.message == "cannot reach the rerank server"
        }
    }

    @Test func reranksThroughASecondZhikuProcess() async throws {
        guard let folder = try? ModelLocation.folder(for: E5Embedder.id) else {
            try Skip.now("model multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let data = TemporaryFolder()
        let (server, base) = try CLI.startServer(data: data.url)
        defer { server.terminate(); server.waitUntilExit() }

        let passages = ["Passwords must be rotated every ninety days.",
                        "员工需提前三天在系统中提交年假申请。报销需要发票原件，超过三十天不予受理。",
                        "Hotel receipts must be filed within thirty days of the trip."]
        let remote = try await HTTPReranker(.init(baseURL: base, model: E5Embedder.id)).scores(query: "How many days do I have to file hotel receipts?", passages: passages)
        let local = try await EmbeddingReranker(embedder: try E5Embedder(folder: folder)).scores(query: "How many days do I have to file hotel receipts?", passages: passages)
        #expect(remote.count == 3)
        for (a, b) in zip(remote, local) { #expect(abs(a - b) < 1e-5) }
        #expect(remote[2] > remote[0] && remote[2] > remote[1], "the hotel passage scores highest: \(remote)")

        // Bad input is a 400 with the reason.
        await #expect { _ = try await HTTPReranker(.init(baseURL: base, model: E5Embedder.id)).scores(query: " ", passages: ["a"]) } throws: { error in
            (error as? ZhikuError)?.detail?.contains("query must not be empty") == true
        }
    }
}
