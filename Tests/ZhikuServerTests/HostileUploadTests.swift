import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// A thousand generated hostile uploads — truncated and malformed PDFs and images, decompression bombs, zip
/// archives, binary junk behind trusted extensions, empty files, path-traversal names, lying sizes — each answered
/// with a 4xx or a job that failed with a reason, while the server stays up and a good file beside them is ingested.
@Suite struct HostileUploadTests {
    /// A deterministic generator (SplitMix64), so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    }

    /// The `i`-th hostile file: (name, bytes, what it is).
    static func hostile(_ i: Int, _ g: inout Generator) -> (String, [UInt8], String) {
        let pdf = TestDocuments.pdf(pages: [["Quarterly report \(i)", "Revenue grew."], ["Second page."]])
        let png = TestImages.pngHeader(width: 640, height: 480)
        switch i % 10 {
        case 0: return ("cut-\(i).pdf", Array(pdf.prefix(20 + g.below(pdf.count / 2))), "truncated PDF")
        case 1: return ("bad-\(i).pdf", Array("%PDF-1.7\n".utf8) + g.bytes(200 + g.below(2000)), "malformed PDF")
        case 2: return ("bomb-\(i).png", TestImages.pngHeader(width: 60_000 + UInt32(g.below(1000)), height: 60_000) + g.bytes(64), "PNG bomb")
        case 3: return ("cut-\(i).png", png + g.bytes(g.below(300)), "truncated PNG")
        case 4: return ("bad-\(i).jpg", [0xFF, 0xD8, 0xFF, 0xE0] + g.bytes(100 + g.below(1000)), "malformed JPEG")
        case 5:
            // A zip archive whose one entry claims 4 GiB (a zip bomb's header).
            var zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 8, 0] + [UInt8](repeating: 0, count: 8)
            zip += [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 8, 0, 0, 0] + Array("bomb.txt".utf8) + g.bytes(200)
            return ("bomb-\(i).zip", zip, "zip bomb")
        case 6: return ("junk-\(i)." + ["txt", "md", "html", "pdf", "png"][g.below(5)], TestDocuments.junk(count: 500 + g.below(4000), seed: UInt64(i)), "junk behind a trusted extension")
        case 7: return ("empty-\(i).txt", [], "empty file")
        case 8: return (["../../etc/passwd-\(i)", "..\\..\\boot-\(i).ini", "a/../../b-\(i).txt"][g.below(3)], Array("hello".utf8), "path traversal")
        default: return ("tiff-\(i).tif", [0x49, 0x49, 0x2A, 0x00] + g.bytes(50 + g.below(500)), "malformed TIFF")
        }
    }

    /// Sends `text` over a plain TCP connection and returns what comes back (waiting up to 60 s for each piece).
    /// The blocking socket calls run on a thread of their own: on one of the cooperative pool's few threads they
    /// would keep the server under test from answering while another test blocks the other thread.
    static func rawRequest(port: Int, _ text: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try blockingRawRequest(port: port, text) }) }
        }
    }

    private static func blockingRawRequest(port: Int, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ZhikuError(.internal, "no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ZhikuError(.internal, "cannot connect to port \(port)") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            reply += buffer[0..<n]
            if String(decoding: reply, as: UTF8.self).contains("}}") { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// Hostile Office containers — a zip bomb, a DTD with entity expansion, a truncated archive, a password-protected
    /// document, a zip named .docx — each end in a failed job that says why, beside a real .docx that is ingested
    /// and searchable; the server keeps serving.
    @Test(.waitsOnProcesses) func hostileOfficeFilesFailWithReasons() async throws {
        let folder = TemporaryFolder()
        let cases: [(kind: String, name: String, reason: String)] = [
            ("bomb-docx", "bomb.docx", "zip bomb"), ("dtd-docx", "lol.docx", "DTD"), ("truncated-docx", "half.docx", "damaged or truncated"),
            ("encrypted-doc", "secret.docx", "password-protected documents are not supported"),
            ("fake-docx", "fake.docx", "not a Word, Excel, PowerPoint, OpenDocument or EPUB document"),
        ]
        var files = try cases.map { (name: $0.name, bytes: [UInt8](try Data(contentsOf: OfficeFixtures.make($0.kind, named: $0.name, in: folder)))) }
        files.append((name: "手册.docx", bytes: [UInt8](try Data(contentsOf: OfficeFixtures.make("docx", named: "手册.docx", in: folder)))))
        let server = try await TestServer()
        _ = try await server.json(.POST, "/api/kbs", ["name": "office", "embedding_model": "none"])
        let form = TestServer.multipart(files)
        let reply = try await server.request(.POST, "/api/kbs/office/files", body: form.body, headers: [("Content-Type", form.contentType)], timeout: 300)
        let uploads = reply.json["uploads"] as? [[String: Any]] ?? []
        #expect(uploads.count == files.count, "\(reply.status) \(reply.json)")
        for (index, upload) in uploads.enumerated() {
            let name = files[index].name
            if let error = upload["error"] as? [String: Any] {
                let message = error["message"] as? String ?? ""
                #expect(index < cases.count && message.contains(cases[index].reason), "\(name) refused: \(message)")
                continue
            }
            guard let id = (upload["job"] as? [String: Any])?["id"] as? Int else { Issue.record("\(name): no job"); continue }
            let job = try await server.waitForJob(id, timeout: .seconds(300))
            if index < cases.count {
                #expect(job["status"] as? String == "failed", "\(name): \(job)")
                #expect((job["error"] as? String ?? "").contains(cases[index].reason), "\(name): \(job["error"] ?? "")")
            } else {
                #expect(job["status"] as? String == "succeeded", "\(name): \(job)")
            }
        }
        #expect(try await server.request(.GET, "/healthz").status == 200, "still serving")
        let found = try await server.request(.GET, "/api/kbs/office/search?q=desktop%3Dkde&mode=keyword").json["hits"] as? [[String: Any]] ?? []
        #expect(found.first?["file_name"] as? String == "手册.docx")
        try await server.stop()
    }

    @Test func aThousandHostileUploadsFailCleanly() async throws {
        let server = try await TestServer(maxUploadBytes: 1 << 20)
        _ = try await server.json(.POST, "/api/kbs", ["name": "hostile", "embedding_model": "none"])
        var g = Generator(state: 2026)
        var jobs: [(job: Int, what: String)] = []
        var refused = 0
        let files = (0..<1000).map { Self.hostile($0, &g) }
        // In forms of 25 files, plus the good one in the middle.
        for start in stride(from: 0, to: files.count, by: 25) {
            var batch = files[start..<min(start + 25, files.count)].map { (name: $0.0, bytes: $0.1) }
            if start == 500 { batch.append((name: "good.txt", bytes: Array("The office opens at eight.".utf8))) }
            let form = TestServer.multipart(batch)
            // A generous deadline: under the whole suite's load on two cores a batch once took over a minute.
            let reply = try await server.request(.POST, "/api/kbs/hostile/files", body: form.body, headers: [("Content-Type", form.contentType)], timeout: 300)
            #expect([200, 202, 400, 413, 415].contains(reply.status), "batch at \(start): \(reply.status)")
            for (offset, upload) in ((reply.json["uploads"] as? [[String: Any]]) ?? []).enumerated() {
                let what = start + offset < files.count && offset < 25 ? files[start + offset].2 : "good file"
                if let error = upload["error"] as? [String: Any] {
                    refused += 1
                    #expect(!(error["message"] as? String ?? "").isEmpty, "\(what): an error without a reason")
                } else if let job = (upload["job"] as? [String: Any])?["id"] as? Int {
                    jobs.append((job, what))
                }
            }
        }
        // A raw upload that declares 10 GiB is refused before its body is read. (No body bytes are sent: a server
        // that closes a connection with unread bytes resets it, and the reset can overtake the answer.)
        let lying = try await Self.rawRequest(port: server.port, "POST /api/kbs/hostile/files?name=big.bin HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nContent-Length: 10737418240\r\n\r\n")
        #expect(lying.hasPrefix("HTTP/1.1 413"), "\(lying.prefix(200))")
        #expect(lying.contains("too_large"))

        var failed = 0, goodSucceeded = false
        for (id, what) in jobs {
            let job = try await server.waitForJob(id, timeout: .seconds(300))
            if what == "good file" {
                goodSucceeded = job["status"] as? String == "succeeded"
            } else if job["status"] as? String == "failed" {
                failed += 1
                #expect(!(job["error"] as? String ?? "").isEmpty, "\(what): failed without a reason")
            } else {
                // Path-traversal names carry good text: sanitized, they may be ingested — under a safe name.
                #expect(what == "path traversal", "\(what) was ingested: \(job)")
            }
        }
        #expect(goodSucceeded, "the good file beside them was ingested")
        #expect(refused + jobs.count >= 1000, "every file was answered (\(refused) refused, \(jobs.count) jobs)")
        #expect(failed > 0)
        for file in try await server.request(.GET, "/api/kbs/hostile/files").json["files"] as? [[String: Any]] ?? [] {
            let name = file["name"] as? String ?? ""
            #expect(!name.contains("/") && !name.contains("\\") && !name.hasPrefix(".."), "unsafe stored name \(name)")
        }
        #expect(try await server.request(.GET, "/healthz").status == 200, "still serving")
        let found = try await server.request(.GET, "/api/kbs/hostile/search?q=office&mode=keyword").json["hits"] as? [[String: Any]] ?? []
        #expect(found.first?["file_name"] as? String == "good.txt")
        print("hostile uploads: \(refused) refused at upload, \(failed) failed jobs with reasons, \(jobs.count) jobs in all")
        try await server.stop()
    }
}
