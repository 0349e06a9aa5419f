import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuProviders

/// The OpenAI-compatible embedding provider against a second Zhiku process serving its built-in model —
/// real HTTP both ways.
@Suite struct OpenAIEmbedderTests {
    /// Starts `zhiku serve --port 0` and returns it with its base URL.
    @Test func embedsThroughASecondZhikuProcess() async throws {
        guard let folder = try? ModelLocation.folder(for: E5Embedder.id) else {
            try Skip.now("model multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let data = TemporaryFolder()
        let (server, base) = try CLI.startServer(data: data.url)
        defer { server.terminate(); server.waitUntilExit() }

        var configuration = OpenAIEmbedder.Configuration(baseURL: base + "/v1/", model: E5Embedder.id, apiKey: "unused")
        configuration.batchSize = 2
        let remote = try await OpenAIEmbedder(configuration)
        #expect(remote.dimensions == 384)
        let texts = ["年假怎么申请？", "How do I request annual leave?", "报销需要发票。"]
        let vectors = try await remote.embed(texts, as: .query)
        // Compared with the same batches computed here (two texts, then one): OpenBLAS's AVX2 kernels give a text
        // embedded alone and one embedded beside others results that differ by up to 1.5e-3 on some CPUs (measured
        // on an AMD EPYC family 26; identical with its AVX-512 kernels), so only like batches are compared exactly.
        let e5 = try E5Embedder(folder: folder)
        let local = try await e5.embed(Array(texts[0..<2]), as: .query) + e5.embed([texts[2]], as: .query)
        #expect(vectors.count == 3)
        for (a, b) in zip(vectors, local) { #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }, "largest difference \(zip(a, b).map { abs($0 - $1) }.max() ?? 0)") }

        // A model the server does not have: a clear, immediate error (no retries on 4xx).
        var wrong = configuration
        wrong.model = "bge-m3"
        await #expect { _ = try await OpenAIEmbedder(wrong) } throws: { error in
            (error as? ZhikuError)?.detail?.contains("unknown embedding model 'bge-m3'") == true
        }
    }

    @Test func unreachableServerFailsAfterRetries() async throws {
        var configuration = OpenAIEmbedder.Configuration(baseURL: "http://127.0.0.1:9", model: "m")
        configuration.retries = 1
        configuration.timeout = .seconds(1)
        await #expect { _ = try await OpenAIEmbedder(configuration) } throws: { error in
            let e = error as? ZhikuError
            return e?.code == .upstreamFailed && e?.message == "cannot reach the embedding server"
                && e?.detail?.hasPrefix("http://127.0.0.1:9/v1/embeddings") == true
        }
    }

    @Test func endpointJoinsBaseURLs() {
        #expect(OpenAIEmbedder.endpoint("http://h:1") == "http://h:1/v1/embeddings")
        #expect(OpenAIEmbedder.endpoint("http://h:1/v1/") == "http://h:1/v1/embeddings")
        #expect(OpenAIEmbedder.endpoint("http://h:1/v1") == "http://h:1/v1/embeddings")
    }
}
