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
        ], in: 1)
        let hits = try await s.index.nearest(to: [1, 0, 0], k: 3, in: 1)
        #expect(hits.map(\.chunkID) == [1, 2, 3])
        #expect(abs(hits[0].score - 1) < 1e-6)
        #expect(abs(hits[1].score - 0.70710678) < 1e-6)
        #expect(abs(hits[2].score) < 1e-6)
        #expect(try await s.index.nearest(to: [1, 0, 0], k: 10, in: 1).last?.chunkID == 4)
        #expect(try await s.index.nearest(to: [1, 0, 0], k: 10, in: 2).isEmpty, "scoped per knowledge base")
    }

    @Test(arguments: Backend.allCases) func upsertRemoveAndDimensions(_ backend: Backend) async throws {
        let s = try make(backend)
        try await s.index.upsert([.init(id: 1, vector: [1, 0]), .init(id: 2, vector: [0, 1])], in: 1)
        #expect(try await s.index.nearest(to: [0, 1], k: 1, in: 1).first?.chunkID == 2)
        try await s.index.upsert([.init(id: 2, vector: [-1, 0])], in: 1)  // replaced
        #expect(try await s.index.nearest(to: [0, 1], k: 2, in: 1).map(\.chunkID) == [1, 2])
        try await s.index.remove([1, 99], from: 1)
        #expect(try await s.index.nearest(to: [1, 0], k: 5, in: 1).map(\.chunkID) == [2])

        // Another dimension is refused, for vectors and queries alike.
        await #expect(throws: ZhikuError.self) { try await s.index.upsert([.init(id: 5, vector: [1, 0, 0])], in: 1) }
        await #expect(throws: ZhikuError.self) { _ = try await s.index.nearest(to: [1, 0, 0], k: 1, in: 1) }
        // After removeAll the knowledge base takes a new dimension (a model change).
        try await s.index.removeAll(from: 1)
        #expect(try await s.index.nearest(to: [1, 0], k: 5, in: 1).isEmpty)
        try await s.index.upsert([.init(id: 6, vector: [0, 0, 1])], in: 1)
        #expect(try await s.index.nearest(to: [0, 0, 1], k: 5, in: 1).map(\.chunkID) == [6])
    }

    @Test func sqliteMatchesTheReference() async throws {
        let memory = try make(.memory), sqlite = try make(.sqlite)
        var state: UInt64 = 11
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(state >> 33) % 2001 - 1000) / 1000
        }
        let items = (1...500).map { ChunkVector(id: Int64($0), vector: unit((0..<16).map { _ in next() })) }
        try await memory.index.upsert(items, in: 1)
        try await sqlite.index.upsert(items, in: 1)
        for _ in 0..<10 {
            let q = unit((0..<16).map { _ in next() })
            let a = try await memory.index.nearest(to: q, k: 10, in: 1)
            let b = try await sqlite.index.nearest(to: q, k: 10, in: 1)
            #expect(a.map(\.chunkID) == b.map(\.chunkID))
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
        }
    }
}
