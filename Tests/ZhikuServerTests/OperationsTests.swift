import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// Readiness, request ids, and the configurable limits (requests per minute, tokens per answer, pages per PDF).
@Suite struct OperationsTests {
    @Test func readinessAndRequestIDs() async throws {
        let server = try await TestServer()
        let ready = try await server.request(.GET, "/readyz")
        let modelsPresent = (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil
        #expect(ready.status == (modelsPresent ? 200 : 503), "\(ready.json)")
        #expect((ready.json["checks"] as? [String: String])?["database"] == "ok")

        let echoed = try await server.request(.GET, "/healthz", headers: [("X-Request-Id", "trace-42")])
        #expect(echoed.headers["x-request-id"] == "trace-42")
        let generated = try await server.request(.GET, "/api/kbs/nope")
        #expect(generated.status == 404)
        #expect(!(generated.headers["x-request-id"] ?? "").isEmpty, "errors carry an id too")
        let refused = try await server.request(.GET, "/healthz", headers: [("X-Request-Id", "<script>")])
        #expect(refused.headers["x-request-id"] != "<script>", "an unsafe id is replaced")
        try await server.stop()
    }

    @Test func limitsAreConfigurableAndAnsweredWithClearErrors() async throws {
        let clock = ManualClock()
        let server = try await TestServer(auth: true, clock: clock.function) {
            $0.requestsPerMinute = 3; $0.maxAnswerTokens = 100; $0.maxPDFPages = 2
        }
        let user = try await server.runtime.accounts.createUser(name: "eve", role: .admin, passwordHash: Secret.passwordHash("whatever1", iterations: 1000))
        let key = try await server.runtime.createAPIKey(for: user, name: "").0
        let auth = [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")]
        let created = try await server.request(.POST, "/api/kbs", body: Array(#"{"name": "kb", "embedding_model": "none"}"#.utf8), headers: auth)
        #expect(created.status == 201)
        let pdf = TestDocuments.pdf(pages: [["one"], ["two"], ["three"]])
        let upload = try await server.request(.POST, "/api/kbs/kb/files?name=long.pdf", body: pdf, headers: auth)
        let job = try #require((((upload.json["uploads"] as? [[String: Any]])?.first)?["job"] as? [String: Any])?["id"] as? Int)
        let tooLong = try await server.request(.POST, "/api/chat", body: Array(#"{"kb": "kb", "question": "q", "max_tokens": 101}"#.utf8), headers: auth)
        #expect(tooLong.status == 400)
        #expect(String(decoding: tooLong.body, as: UTF8.self).contains("at most 100"))
        // Three a minute, refilled one per 20 s, and the rate limit's clock stands still: the three requests above
        // spent the bucket, so ten more are all refused, with the wait in the message.
        var statuses: [Int] = [], limited: TestServer.Reply?
        for _ in 0..<10 {
            let reply = try await server.request(.GET, "/api/kbs", headers: auth)
            statuses.append(reply.status)
            if reply.status == 429 { limited = reply }
        }
        #expect(statuses == Array(repeating: 429, count: 10), "\(statuses)")
        #expect(limited?.errorCode == "too_many_requests")
        let message = String(decoding: limited?.body ?? [], as: UTF8.self)
        #expect(message.contains("try again in 20 s"), "\(message)")
        clock.advance(by: 20.1)
        #expect(try await server.request(.GET, "/api/kbs", headers: auth).status == 200, "one request back after 20 s")
        #expect(try await server.request(.GET, "/api/kbs", headers: auth).status == 429)
        // The job failed with the page limit as its reason (each poll 20 s later on the rate limit's clock).
        var status: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(180)
        while status["status"] as? String != "failed", Date() < deadline {
            try await Task.sleep(for: .seconds(3))
            clock.advance(by: 20.1)
            let reply = try await server.request(.GET, "/api/jobs/\(job)", headers: auth)
            if reply.status == 200 { status = reply.json }
        }
        #expect(status["status"] as? String == "failed")
        #expect((status["error"] as? String)?.contains("has 3 pages; the limit is 2") == true, "\(status)")
        try await server.stop()
    }
}

/// `GET /metrics` after real work: requests, ingestion, embedding and answers are counted and timed.
@Suite struct MetricsTests {
    @Test func workShowsUpInTheMetrics() async throws {
        let server = try await TestServer()
        _ = try await server.json(.POST, "/api/kbs", ["name": "m"])
        let upload = try await server.request(.POST, "/api/kbs/m/files?name=a.txt", body: Array("The canteen opens at noon.".utf8))
        let job = try #require((((upload.json["uploads"] as? [[String: Any]])?.first)?["job"] as? [String: Any])?["id"] as? Int)
        #expect(try await server.waitForJob(job, timeout: .seconds(600))["status"] as? String == "succeeded")
        _ = try await server.json(.POST, "/api/chat", ["kb": "m", "question": "When does the canteen open?", "mode": "extractive"])
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: metrics.body, as: UTF8.self)
        for name in [#"zhiku_ingest_jobs_total{status="succeeded"}"#, "zhiku_ingest_chunks_total", "zhiku_ingest_queue_depth",
                     "zhiku_ingest_job_duration_seconds_bucket", #"zhiku_embedding_duration_seconds_count{model="multilingual-e5-small",purpose="passage"}"#,
                     #"zhiku_answers_total{channel="api",outcome="extractive"}"#, "zhiku_retrieval_duration_seconds_bucket",
                     "http_server_request_duration_bucket", "hb_requests{"] {
            #expect(text.contains(name), "\(name) is missing from /metrics")
        }
        try await server.stop()
    }
}
