/// How pgvector's HNSW graphs are built and searched (``PostgresVectorIndex``).
///
/// Defaults: m 32, ef_construction 128, ef_search at least 100 — not pgvector's 16 / 64 / 40. Over repeated loads of
/// the 100 000 real e5 vectors of the scale benchmark (`zhiku-bench --only pgvector`, BENCHMARKS.md), pgvector's
/// defaults gave recall@10 from 0.87 to 0.93 at ef_search 40 and from 0.92 to 0.99 even at 400, varying from load to
/// load; the denser graph gave 0.97 at 40 and 0.99 at 100 on the load measured (one: each takes a quarter of an hour), at a several times slower load.
///
/// `m` and `efConstruction` shape a graph when its index is made (an index made earlier keeps its own until it is
/// rebuilt); `efSearchFloor` is the smallest candidate list a query walks (`hnsw.ef_search`), raised to k when a
/// query asks for more. Environment: `ZHIKU_PG_HNSW_M`, `ZHIKU_PG_HNSW_EF_CONSTRUCTION`, `ZHIKU_PG_HNSW_EF_SEARCH`.
public struct HNSWSettings: Sendable, Equatable {
    /// Links per node (pgvector: 2…100, its default 16).
    public var m: Int
    /// Candidate list while building (pgvector: at least 2 m, at most 1 000, its default 64).
    public var efConstruction: Int
    /// The smallest `hnsw.ef_search` of a query (pgvector: at most 1 000, its default 40).
    public var efSearchFloor: Int

    public init(m: Int = 32, efConstruction: Int = 128, efSearchFloor: Int = 100) {
        self.m = min(100, max(2, m))
        self.efConstruction = min(1000, max(2 * self.m, efConstruction))
        self.efSearchFloor = min(1000, max(1, efSearchFloor))
    }

    /// `hnsw.ef_search` for a query of `k` results: the floor, or k when larger (pgvector caps it at 1 000).
    public func efSearch(k: Int) -> Int { min(1000, max(efSearchFloor, k)) }

    /// The settings named in `environment`, the defaults elsewhere (values that are not numbers are ignored).
    public init(environment: [String: String]) {
        let defaults = HNSWSettings()
        self.init(m: environment["ZHIKU_PG_HNSW_M"].flatMap(Int.init) ?? defaults.m,
                  efConstruction: environment["ZHIKU_PG_HNSW_EF_CONSTRUCTION"].flatMap(Int.init) ?? defaults.efConstruction,
                  efSearchFloor: environment["ZHIKU_PG_HNSW_EF_SEARCH"].flatMap(Int.init) ?? defaults.efSearchFloor)
    }
}
