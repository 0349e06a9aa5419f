import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// Starts the real server on a free port and drives it over HTTP: upload, jobs, search, delete, bad input.
@Suite struct HTTPEndToEndTests {
    let policy = "员工年假申请流程：员工需提前三天在系统中提交年假申请，经部门经理批准后生效。\n\n病假需要提供医院证明。"
    let report = TestDocuments.pdf(pages: [
        ["Quarterly report", "Revenue grew by 12 percent."],
        ["The travel policy allows economy class only."],
        ["Annual leave carries over for one year."],
    ])

    @Test func uploadIngestSearchDelete() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }

        let created = try await server.json(.POST, "/api/kbs", ["name": "员工手册", "description": "HR"])
        #expect(created.status == 201)
        let kbID = created.json["id"] as! Int
        let kb = "%E5%91%98%E5%B7%A5%E6%89%8B%E5%86%8C"  // 员工手册, percent-encoded
        #expect(try await server.request(.GET, "/api/kbs/\(kb)").json["id"] as? Int == kbID)

        // A raw-body upload named by query parameter.
        let raw = try await server.request(.POST, "/api/kbs/\(kbID)/files?name=policy.txt", body: Array(policy.utf8))
        #expect(raw.status == 202)
        let rawUpload = (raw.json["uploads"] as! [[String: Any]])[0]
        let rawJob = (rawUpload["job"] as! [String: Any])["id"] as! Int

        // Two files in one multipart form: a PDF and a GBK text file.
        let form = TestServer.multipart([
            ("report.pdf", report),
            ("报销.txt", TestDocuments.encode("报销流程：出差发票需在三十天内提交。", as: "GBK")),
        ])
        let multi = try await server.request(.POST, "/api/kbs/\(kb)/files", body: form.body,
                                             headers: [("Content-Type", form.contentType)])
        #expect(multi.status == 202)
        let uploads = multi.json["uploads"] as! [[String: Any]]
        #expect(uploads.map { $0["name"] as? String } == ["report.pdf", "报销.txt"])
        let jobs = uploads.map { ($0["job"] as! [String: Any])["id"] as! Int }

        for id in [rawJob] + jobs {
            let job = try await server.waitForJob(id)
            #expect(job["status"] as? String == "succeeded", "job \(id): \(job["error"] ?? "")")
        }
        let pdfJob = try await server.request(.GET, "/api/jobs/\(jobs[0])").json
        #expect(pdfJob["pages_done"] as? Int == 3)
        #expect(pdfJob["pages_total"] as? Int == 3)

        let files = try await server.request(.GET, "/api/kbs/\(kbID)/files").json["files"] as! [[String: Any]]
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0["status"] as? String == "ready" })
        let pdfFile = files.first { $0["name"] as? String == "report.pdf" }
        #expect(pdfFile?["page_count"] as? Int == 3)

        // Chinese query finds the Chinese chunk; English finds the right PDF page.
        let leave = try await server.request(.GET, "/api/kbs/\(kbID)/search?q=%E5%B9%B4%E5%81%87&k=5").json
        let leaveHits = leave["hits"] as! [[String: Any]]
        #expect(leaveHits.first?["file_name"] as? String == "policy.txt")
        #expect((leaveHits.first?["text"] as? String)?.contains("员工年假申请流程") == true)
        let travel = try await server.request(.GET, "/api/kbs/\(kbID)/search?q=travel+policy").json["hits"] as! [[String: Any]]
        #expect(travel.first?["file_name"] as? String == "report.pdf")
        #expect(travel.first?["page"] as? Int == 2)
        let gbk = try await server.request(.GET, "/api/kbs/\(kbID)/search?q=%E5%8F%91%E7%A5%A8").json["hits"] as! [[String: Any]]
        #expect(gbk.first?["file_name"] as? String == "报销.txt")

        // Extracted pages of a file.
        let pdfID = (uploads[0]["file"] as! [String: Any])["id"] as! Int
        let pages = try await server.request(.GET, "/api/kbs/\(kbID)/files/\(pdfID)/pages").json["pages"] as! [[String: Any]]
        #expect(pages.count == 3)
        #expect((pages[1]["text"] as? String)?.contains("travel policy") == true)

        // The same bytes again: no new file, the existing one comes back.
        let again = try await server.request(.POST, "/api/kbs/\(kbID)/files", body: Array(policy.utf8),
                                             headers: [("X-Filename", "copy%20of%20policy.txt")])
        #expect(again.status == 200)
        let dup = (again.json["uploads"] as! [[String: Any]])[0]
        #expect(dup["duplicate"] as? Bool == true)
        #expect((dup["file"] as! [String: Any])["name"] as? String == "policy.txt")
        #expect((try await server.request(.GET, "/api/kbs/\(kbID)/files").json["files"] as! [Any]).count == 3)

        // Delete the PDF: its chunks leave the index.
        #expect(try await server.request(.DELETE, "/api/kbs/\(kbID)/files/\(pdfID)").status == 204)
        let afterDelete = try await server.request(.GET, "/api/kbs/\(kbID)/search?q=travel+policy").json["hits"] as! [[String: Any]]
        #expect(afterDelete.allSatisfy { $0["file_name"] as? String != "report.pdf" })
        #expect(try await server.request(.GET, "/api/kbs/\(kbID)/files/\(pdfID)").status == 404)
        #expect((try await server.request(.GET, "/api/kbs/\(kbID)/files").json["files"] as! [Any]).count == 2)

        // Delete the knowledge base.
        #expect(try await server.request(.DELETE, "/api/kbs/\(kbID)").status == 204)
        #expect(try await server.request(.GET, "/api/kbs/\(kbID)").status == 404)
        #expect(try await server.request(.GET, "/healthz").status == 200)
        try await server.stop()
    }

    @Test func badInputIsAnsweredCleanlyAndTheServerKeepsServing() async throws {
        let server = try await TestServer(maxUploadBytes: 64 * 1024)
        defer { Task { try? await server.stop() } }
        #expect(try await server.json(.POST, "/api/kbs", ["name": "kb"]).status == 201)

        // Unknown knowledge base, unknown route, malformed JSON, duplicate name.
        let unknown = try await server.request(.GET, "/api/kbs/nope/files")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "not_found")
        #expect((unknown.json["error"] as? [String: Any])?["message"] as? String == "knowledge base 'nope' does not exist")
        #expect(try await server.request(.GET, "/api/nothing-here").status == 404)
        let badJSON = try await server.request(.POST, "/api/kbs", body: Array("{".utf8),
                                               headers: [("Content-Type", "application/json")])
        #expect(badJSON.status == 400)
        #expect(badJSON.errorCode == "invalid_input")
        #expect(try await server.json(.POST, "/api/kbs", ["name": "kb"]).status == 409)
        #expect(try await server.request(.GET, "/api/kbs/kb/search?q=x&k=abc").status == 400)
        #expect(try await server.request(.GET, "/api/kbs/kb/search?q=%20").status == 400)

        // A 0-byte upload, a path-traversal name, a missing name, an oversize body.
        let empty = try await server.request(.POST, "/api/kbs/kb/files?name=empty.txt", body: [])
        #expect(empty.status == 400)
        #expect(empty.errorCode == "invalid_input")
        let traversal = try await server.request(.POST, "/api/kbs/kb/files?name=..%2F..%2Fetc%2Fpasswd", body: Array("x".utf8))
        #expect(traversal.status == 400)
        #expect(try await server.request(.POST, "/api/kbs/kb/files", body: Array("x".utf8)).status == 400)
        let big = try await server.request(.POST, "/api/kbs/kb/files?name=big.txt",
                                           body: [UInt8](repeating: 0x61, count: 200 * 1024))
        #expect(big.status == 413)
        #expect(big.errorCode == "too_large")
        let emptyPart = TestServer.multipart([("empty.md", [])])
        let emptyForm = try await server.request(.POST, "/api/kbs/kb/files", body: emptyPart.body,
                                                 headers: [("Content-Type", emptyPart.contentType)])
        #expect(emptyForm.status == 400)

        // Corrupt content is accepted, then its job fails with a reason; nothing else is affected.
        let truncated = Array(TestDocuments.pdf(pages: [["Hello world"]]).prefix(60))
        let junk = TestDocuments.junk(count: 3000)
        var failedJobs: [Int] = []
        for (name, bytes) in [("truncated.pdf", truncated), ("junk.txt", junk)] {
            let reply = try await server.request(.POST, "/api/kbs/kb/files?name=\(name)", body: bytes)
            #expect(reply.status == 202)
            failedJobs.append((((reply.json["uploads"] as! [[String: Any]])[0])["job"] as! [String: Any])["id"] as! Int)
        }
        let good = try await server.request(.POST, "/api/kbs/kb/files?name=good.txt", body: Array("good content here".utf8))
        let goodJob = (((good.json["uploads"] as! [[String: Any]])[0])["job"] as! [String: Any])["id"] as! Int

        let pdfJob = try await server.waitForJob(failedJobs[0])
        #expect(pdfJob["status"] as? String == "failed")
        #expect((pdfJob["error"] as? String)?.contains("truncated.pdf") == true)
        let junkJob = try await server.waitForJob(failedJobs[1])
        #expect(junkJob["status"] as? String == "failed")
        #expect((junkJob["error"] as? String)?.contains("not supported") == true)
        #expect(try await server.waitForJob(goodJob)["status"] as? String == "succeeded")

        let files = try await server.request(.GET, "/api/kbs/kb/files").json["files"] as! [[String: Any]]
        let junkFile: [String: Any]? = files.first { $0["name"] as? String == "junk.txt" }
        #expect(junkFile?["status"] as? String == "failed")
        #expect((junkFile?["error"] as? String)?.isEmpty == false)

        // A failed job can be retried (and fails again for the same reason); a finished one cannot.
        let retry = try await server.request(.POST, "/api/jobs/\(failedJobs[1])/retry")
        #expect(retry.status == 202)
        #expect(try await server.waitForJob(failedJobs[1])["attempts"] as? Int == 2)
        #expect(try await server.request(.POST, "/api/jobs/\(goodJob)/retry").status == 409)
        #expect(try await server.request(.GET, "/api/jobs/999999").status == 404)

        // Still serving.
        #expect(try await server.request(.GET, "/healthz").json["status"] as? String == "ok")
        #expect((try await server.request(.GET, "/api/kbs/kb/search?q=good").json["hits"] as! [Any]).count == 1)
        let page = try await server.request(.GET, "/")
        #expect(page.status == 200)
        #expect(String(decoding: page.body, as: UTF8.self).contains("Zhiku"))
        try await server.stop()
    }
}
