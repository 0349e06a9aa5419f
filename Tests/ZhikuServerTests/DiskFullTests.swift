import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// A full disk during an upload: a clear 507, nothing half-written left behind, and the server keeps serving —
/// on a real 8 MiB tmpfs holding the data folder (mounting needs root, which CI has).
@Suite struct DiskFullTests {
    static func run(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func files(under url: URL) -> [String] {
        (FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? [])
            .filter { !((try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent($0).path))?[.type] as? FileAttributeType == .typeDirectory) }
    }

    @Test func aFullDiskRefusesTheUploadAndLeavesNothingBehind() async throws {
        guard getuid() == 0 else { try Skip.now("mounting a small tmpfs needs root") }
        let folder = TemporaryFolder()
        guard try Self.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", folder.url.path]) == 0 else {
            try Skip.now("mount -t tmpfs failed (no permission in this container)")
        }
        defer { _ = try? Self.run(["umount", "-l", folder.url.path]) }
        let server = try await TestServer(folder: folder)
        _ = try await server.json(.POST, "/api/kbs", ["name": "full", "embedding_model": "none"])

        // 12 MiB into an 8 MiB disk: raw, then as one part of a form.
        let big = [UInt8](repeating: 0x41, count: 12 << 20)
        let raw = try await server.request(.POST, "/api/kbs/full/files?name=big.txt", body: big, timeout: 300)
        #expect(raw.status == 507, "\(String(decoding: raw.body, as: UTF8.self))")
        #expect(raw.errorCode == "insufficient_storage")
        let form = TestServer.multipart([("big.txt", big)])
        let multi = try await server.request(.POST, "/api/kbs/full/files", body: form.body, headers: [("Content-Type", form.contentType)],
                                             timeout: 300)
        #expect(multi.status == 507)
        #expect(Self.files(under: folder.url.appendingPathComponent("blobs")).isEmpty, "no stored bytes of the failed uploads")
        #expect(Self.files(under: folder.url.appendingPathComponent("tmp")).isEmpty, "no partial files left")
        #expect((try await server.request(.GET, "/api/kbs/full/files").json["files"] as? [Any])?.isEmpty == true)

        // The space came back: a small file goes through and is ingested.
        let small = try await server.request(.POST, "/api/kbs/full/files?name=note.txt", body: Array("Fire drills are on Fridays.".utf8))
        #expect(small.status == 202)
        let job = try #require((((small.json["uploads"] as? [[String: Any]])?.first)?["job"] as? [String: Any])?["id"] as? Int)
        #expect(try await server.waitForJob(job)["status"] as? String == "succeeded")
        #expect(try await server.request(.GET, "/healthz").status == 200)
        try await server.stop()
    }
}
