import Foundation
import Testing
import ZhikuCore
import ZhikuRetrieval
import ZhikuStorage
import ZhikuTestSupport
import PostgresNIO

/// The behaviour every ``VectorIndex`` backend must show.
@Suite struct VectorIndexConformanceTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite, postgres
        var testDescription: String { rawValue }
    }

    struct Subject {
        let index: any VectorIndex
        let folder: TemporaryFolder
        var postgres: PostgreSQLDatabase?
    }

    /// A fresh, empty index (nil: PostgreSQL was asked for and no server is running — a "skipped" line says so).
    func make(_ backend: Backend) async throws -> Subject? {
        let folder = TemporaryFolder()
        switch backend {
        case .memory: return Subject(index: MemoryVectorIndex(), folder: folder)
        case .sqlite:
            let db = try SQLiteDatabase(path: folder.url.appendingPathComponent("v.sqlite").path)
            return Subject(index: SQLiteVectorIndex(database: db), folder: folder)
        case .postgres:
            let database = try await Self.freshPostgres()
            return Subject(index: PostgresVectorIndex(database: database), folder: folder, postgres: database)
        }
    }

    /// A new database of its own on the test server, migrated.
    static func freshPostgres(for what: String = "the index conformance suites") async throws -> PostgreSQLDatabase {
        let url = try TestPostgres.url(for: what)
        let name = "zhiku_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return try await PostgreSQLDatabase.open(url: try await PostgreSQLDatabase.createDatabase(named: name, besides: url))
    }

    let one = VectorSpace(1, model: "m")
    let two = VectorSpace(2, model: "m")

    func unit(_ v: [Float]) -> [Float] { Self.unit(v) }

    static func unit(_ v: [Float]) -> [Float] {
        let n = sqrt(v.reduce(0) { $0 + $1 * $1 })
        return v.map { $0 / n }
    }

    /// Seeded random unit vectors (a linear congruential generator: the same vectors on every run).
    struct RandomUnitVectors {
        var state: UInt64
        let dimensions: Int
        init(seed: UInt64, dimensions: Int) {
            state = seed
            self.dimensions = dimensions
        }
        mutating func next() -> [Float] {
            VectorIndexConformanceTests.unit((0..<dimensions).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(state >> 33) % 2001 - 1000) / 1000
            })
        }
    }

    @Test(arguments: Backend.allCases) func nearestByDotProduct(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
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

    @Test(arguments: Backend.allCases) func vectorsReadBackExactlyInPages(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        var random = RandomUnitVectors(seed: 11, dimensions: 384)
        let items = (1...25).map { ChunkVector(id: Int64($0 * 3), vector: random.next()) }
        let space = VectorSpace(5, model: "m")
        try await s.index.upsert(items.reversed(), in: space)
        var read: [ChunkVector] = [], after: Chunk.ID = 0
        while true {
            let page = try await s.index.vectors(in: space, afterID: after, limit: 10)
            guard let last = page.last else { break }
            #expect(page.count <= 10)
            read += page
            after = last.id
        }
        #expect(read.map(\.id) == items.map(\.id), "every vector once, by id")
        #expect(read.map { $0.vector.map(\.bitPattern) } == items.map { $0.vector.map(\.bitPattern) }, "bit for bit")
        #expect(try await s.index.vectors(in: VectorSpace(5, model: "other"), afterID: 0, limit: 10).isEmpty)
    }

    @Test(arguments: Backend.allCases) func upsertRemoveAndDimensions(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
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
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
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

    /// pgvector's HNSW search against exact search: recall@10 over 20 queries on 2 000 random 32-dimensional unit
    /// vectors, and the scores of the chunks both found.
    @Test func postgresFindsWhatExactSearchFinds() async throws {
        guard let postgres = try await make(.postgres), let memory = try await make(.memory) else { return }
        defer { postgres.postgres?.close() }
        var random = RandomUnitVectors(seed: 5, dimensions: 32)
        let items = (1...2000).map { ChunkVector(id: Int64($0), vector: random.next()) }
        try await postgres.index.upsert(items, in: one)
        try await memory.index.upsert(items, in: one)
        var found = 0
        for _ in 0..<20 {
            let q = random.next()
            let exact = try await memory.index.nearest(to: q, k: 10, in: one)
            let approximate = try await postgres.index.nearest(to: q, k: 10, in: one)
            #expect(approximate.count == 10)
            let scores = Dictionary(uniqueKeysWithValues: exact.map { ($0.chunkID, $0.score) })
            for hit in approximate {
                if let score = scores[hit.chunkID] {
                    found += 1
                    #expect(abs(score - hit.score) < 1e-5)
                }
            }
            #expect(zip(approximate, approximate.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
        #expect(Double(found) / 200 >= 0.95, "recall@10 \(Double(found) / 200)")
    }

    @Test func sqliteMatchesTheReference() async throws {
        guard let memory = try await make(.memory), let sqlite = try await make(.sqlite) else { return }
        var random = RandomUnitVectors(seed: 11, dimensions: 16)
        let items = (1...500).map { ChunkVector(id: Int64($0), vector: random.next()) }
        try await memory.index.upsert(items, in: one)
        try await sqlite.index.upsert(items, in: one)
        for _ in 0..<10 {
            let q = random.next()
            let a = try await memory.index.nearest(to: q, k: 10, in: one)
            let b = try await sqlite.index.nearest(to: q, k: 10, in: one)
            #expect(a.map(\.chunkID) == b.map(\.chunkID))
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
        }
    }
}
