import Foundation
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

@Suite struct DiskBlobStoreTests {
    let folder = TemporaryFolder()

    func chunks(_ parts: [[UInt8]]) -> AsyncStream<[UInt8]> {
        AsyncStream { c in
            for p in parts { c.yield(p) }
            c.finish()
        }
    }

    func partials() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("tmp").path)) ?? []
    }

    @Test func storesByContentHash() async throws {
        let blobs = try DiskBlobStore(dataFolder: folder.url)
        let blob = try await blobs.write(chunks([Array("hello ".utf8), Array("world".utf8)]), limit: 100)
        #expect(blob.sha256 == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        #expect(blob.size == 11)
        #expect(try Data(contentsOf: blob.url) == Data("hello world".utf8))
        #expect(blob.head == Array("hello world".utf8))
        let again = try await blobs.write(chunks([Array("hello world".utf8)]), limit: 100)
        #expect(again.url == blob.url)
        #expect(partials().isEmpty)
        try blobs.remove(blob.sha256)
        #expect(blobs.url(for: blob.sha256) == nil)
    }

    @Test func rejectsOversizeAndEmptyUploadsWithoutLeavingFiles() async throws {
        let blobs = try DiskBlobStore(dataFolder: folder.url)
        await #expect {
            _ = try await blobs.write(chunks([[UInt8](repeating: 1, count: 60), [UInt8](repeating: 2, count: 60)]), limit: 100)
        } throws: { ($0 as? ZhikuError)?.code == .tooLarge }
        await #expect {
            _ = try await blobs.write(chunks([]), limit: 100)
        } throws: { ($0 as? ZhikuError)?.code == .invalidInput }
        #expect(partials().isEmpty)
        #expect(blobs.url(for: "../../etc/passwd") == nil)
    }
}
