import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport

/// Images uploaded to a knowledge base are read by OCR and searchable; hostile ones fail their job with a reason
/// while the server keeps serving.
@Suite struct ImageUploadTests {
    @Test func scannedImagesBecomeSearchableAndHostileOnesFailCleanly() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let images = TemporaryFolder()
        let scan = images.url.appendingPathComponent("scan.png")
        try TestImages.render(TestImages.chinese, to: scan)
        let jpeg = images.url.appendingPathComponent("memo.jpg")
        try TestImages.render(TestImages.english, to: jpeg)
        let jpegBytes = [UInt8](try Data(contentsOf: jpeg))

        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        _ = try await server.json(.POST, "/api/kbs", ["name": "scans", "embedding_model": "none"])
        let form = TestServer.multipart([
            ("scan.png", [UInt8](try Data(contentsOf: scan))),
            ("memo.jpg", jpegBytes),
            ("bomb.png", TestImages.pngHeader(width: 30_000, height: 30_000)),
            ("cut.jpg", Array(jpegBytes.prefix(300))),
            ("photo.png", Array("this is plain text with an image's name".utf8)),
        ])
        let upload = try await server.request(.POST, "/api/kbs/scans/files", body: form.body,
                                              headers: [("Content-Type", form.contentType)])
        #expect(upload.status == 202)
        var outcome: [String: [String: Any]] = [:]
        for u in upload.json["uploads"] as? [[String: Any]] ?? [] {
            let id = (u["job"] as? [String: Any])?["id"] as? Int ?? -1
            outcome[u["name"] as? String ?? ""] = try await server.waitForJob(id, timeout: .seconds(600))
        }
        #expect(outcome["scan.png"]?["status"] as? String == "succeeded")
        #expect(outcome["scan.png"]?["pages_ocr"] as? Int == 1, "the job says how many pages went to OCR")
        #expect(outcome["memo.jpg"]?["status"] as? String == "succeeded")
        #expect(outcome["photo.png"]?["status"] as? String == "succeeded", "sniffed as text, not trusted by its name")
        #expect(outcome["bomb.png"]?["status"] as? String == "failed")
        #expect((outcome["bomb.png"]?["error"] as? String)?.contains("30000×30000 pixels") == true)
        #expect(outcome["cut.jpg"]?["status"] as? String == "failed")
        #expect((outcome["cut.jpg"]?["error"] as? String)?.isEmpty == false)

        let zh = try await server.request(.GET, "/api/kbs/scans/search?q=%E5%B9%B4%E5%81%87%E7%94%B3%E8%AF%B7").json
        #expect(((zh["hits"] as? [[String: Any]])?.first)?["file_name"] as? String == "scan.png")
        let en = try await server.request(.GET, "/api/kbs/scans/search?q=doctor%20note").json
        #expect(((en["hits"] as? [[String: Any]])?.first)?["file_name"] as? String == "memo.jpg")
        // The scan's page keeps its engine, confidence and word boxes, each word placed in the page text.
        let scanFile = ((outcome["scan.png"]?["file_id"]) as? Int) ?? -1
        let pages = try await server.request(.GET, "/api/kbs/scans/files/\(scanFile)/pages").json["pages"] as? [[String: Any]] ?? []
        let page = try #require(pages.first)
        #expect((page["engine"] as? String)?.hasPrefix(TestImages.defaultEngine) == true, "\(page["engine"] ?? "none")")
        #expect((page["image_width"] as? Int ?? 0) > 500)
        let words = page["words"] as? [[String: Any]] ?? []
        #expect(words.count > 20)
        #expect(words.allSatisfy { $0["start"] is Int && $0["x"] is Int })
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }
}
