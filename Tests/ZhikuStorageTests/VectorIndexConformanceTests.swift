import Foundation
import Testing
import ZhikuCore
import ZhikuRetrieval
import ZhikuStorage
import ZhikuTestSupport

/// The behaviour every ``VectorIndex`` backend must show.
@Suite struct VectorIndexConformanceTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite
        var testDescription: String { rawValue }
    }

    struct Subject {
        let index: any VectorIndex
        let folder: TemporaryFolder
    }

    func make(_ backend: Backend) throws -> Subject {
        let folder = TemporaryFolder()
        switch backend {
        case .memory: return Subject(index: MemoryVectorIndex(), folder: folder)
        case .sqlite:
            let db = try SQLiteDatabase(path: folder.url.appendingPathComponent("v.sqlite").path)
            return Subject(index: SQLiteVectorIndex(database: db), folder: folder)
        }
    }

    let one = VectorSpace(1, model: "m")
    let two = VectorSpace(2, model: "m")

    func unit(_ v: [Float]) -> [Float] {
        let n = sqrt(v.reduce(0) { $0 + $1 * $1 })
        return v.map { $0 / n }
    }

    @Test(arguments: Backend.allCases) func nearestByDotProduct(_ backend: Backend) async throws {
        let s = try make(backend)
        try await s.index.upsert([
            .init(id: 1, vector: unit([1, 0, 0])),
            .init(id: 2, vector: unit([1, 1, 0])),
            .init(id: 3, vector: unit([0, 0, 1])),
            .init(id: 4, vector: unit([-1, 0, 0])),
        ], in: one)
        let hits = try await s.index.nearest(to: [1, 0, 0], k: 3, in: one)
        #expect(hits.map(\.chunkID) == [1, 2, 3])
        #expect(abs(hits[0].score - 1) < 1e-6)
        #expect(abs(hits[1].score - 0.70710678) < 1e-6)
        #expect(abs(hits[2].score) < 1e-6)
        #expect(try await s.index.nearest(to: [1, 0, 0], k: 10, in: one).last?.chunkID == 4)
        #expect(try await s.index.nearest(to: [1, 0, 0], k: 10, in: two).isEmpty, "scoped per knowledge base")
    }

    @Test(arguments: Backend.allCases) func upsertRemoveAndDimensions(_ backend: Backend) async throws {
        let s = try make(backend)
        try await s.index.upsert([.init(id: 1, vector: [1, 0]), .init(id: 2, vector: [0, 1])], in: one)
        #expect(try await s.index.nearest(to: [0, 1], k: 1, in: one).first?.chunkID == 2)
        try await s.index.upsert([.init(id: 2, vector: [-1, 0])], in: one)  // replaced
        #expect(try await s.index.nearest(to: [0, 1], k: 2, in: one).map(\.chunkID) == [1, 2])
        try await s.index.remove([1, 99], from: 1)
        #expect(try await s.index.nearest(to: [1, 0], k: 5, in: one).map(\.chunkID) == [2])

        // Another dimension is refused, for vectors and queries alike.
        await #expect(throws: ZhikuError.self) { try await s.index.upsert([.init(id: 5, vector: [1, 0, 0])], in: one) }
        await #expect(throws: ZhikuError.self) { _ = try await s.index.nearest(to: [1, 0, 0], k: 1, in: one) }
        // After removeAll the knowledge base's spaces take a new dimension.
        try await s.index.removeAll(from: 1)
        #expect(try await s.index.nearest(to: [1, 0], k: 5, in: one).isEmpty)
        try await s.index.upsert([.init(id: 6, vector: [0, 0, 1])], in: one)
        #expect(try await s.index.nearest(to: [0, 0, 1], k: 5, in: one).map(\.chunkID) == [6])
    }

    @Test(arguments: Backend.allCases) func spacesPerModel(_ backend: Backend) async throws {
        let s = try make(backend)
        let old = VectorSpace(1, model: "small"), new = VectorSpace(1, model: "large")
        try await s.index.upsert([.init(id: 1, vector: [1, 0]), .init(id: 2, vector: [0, 1])], in: old)
        // Another model's space beside it may have another dimension; the two never mix.
        try await s.index.upsert([.init(id: 1, vector: [0, 0, 1])], in: new)
        #expect(try await s.index.spaces(of: 1) == [new, old])
        #expect(try await s.index.chunkIDs(in: old) == [1, 2])
        #expect(try await s.index.chunkIDs(in: new) == [1])
        #expect(try await s.index.nearest(to: [0, 1], k: 5, in: old).map(\.chunkID) == [2, 1])
        #expect(try await s.index.nearest(to: [0, 0, 1], k: 5, in: new).map(\.chunkID) == [1])
        // Removing chunks removes them from every space of the knowledge base.
        try await s.index.remove([1], from: 1)
        #expect(try await s.index.chunkIDs(in: new).isEmpty)
        #expect(try await s.index.chunkIDs(in: old) == [2])
        // Dropping a space leaves the other; a dropped space can be built again with any dimension.
        try await s.index.upsert([.init(id: 3, vector: [0, 1, 0])], in: new)
        try await s.index.drop(old)
        #expect(try await s.index.spaces(of: 1) == [new])
        #expect(try await s.index.nearest(to: [0, 1], k: 5, in: old).isEmpty)
        try await s.index.upsert([.init(id: 4, vector: [1, 0, 0, 0])], in: old)
        #expect(try await s.index.nearest(to: [1, 0, 0, 0], k: 5, in: old).map(\.chunkID) == [4])
    }

    @Test func sqliteMatchesTheReference() async throws {
        let memory = try make(.memory), sqlite = try make(.sqlite)
        var state: UInt64 = 11
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(state >> 33) % 2001 - 1000) / 1000
        }
        let items = (1...500).map { ChunkVector(id: Int64($0), vector: unit((0..<16).map { _ in next() })) }
        try await memory.index.upsert(items, in: one)
        try await sqlite.index.upsert(items, in: one)
        for _ in 0..<10 {
            let q = unit((0..<16).map { _ in next() })
            let a = try await memory.index.nearest(to: q, k: 10, in: one)
            let b = try await sqlite.index.nearest(to: q, k: 10, in: one)
            #expect(a.map(\.chunkID) == b.map(\.chunkID))
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
        }
    }
}
