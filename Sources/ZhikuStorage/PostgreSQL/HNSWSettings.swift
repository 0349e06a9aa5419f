/// How pgvector's HNSW graphs are built and searched (``PostgresVectorIndex``).
///
/// `m` and `efConstruction` shape a graph when its index is made (an index made earlier keeps its own until it is
/// rebuilt); `efSearchFloor` is the smallest candidate list a query walks (`hnsw.ef_search`), raised to k when a
/// query asks for more. Environment: `ZHIKU_PG_HNSW_M`, `ZHIKU_PG_HNSW_EF_CONSTRUCTION`, `ZHIKU_PG_HNSW_EF_SEARCH`.
public struct HNSWSettings: Sendable, Equatable {
    /// Links per node (pgvector's default 16; 2…100).
    public var m: Int
    /// Candidate list while building (pgvector's default 64; at least 2 m, at most 1 000).
    public var efConstruction: Int
    /// The smallest `hnsw.ef_search` of a query (pgvector's default 40; at most 1 000).
    public var efSearchFloor: Int

    public init(m: Int = 16, efConstruction: Int = 64, efSearchFloor: Int = 40) {
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
