import Testing
import ZhikuStorage

/// pgvector's HNSW settings: defaults, limits, the environment, and each query's ef_search.
@Suite struct HNSWSettingsTests {
    @Test func defaultsAndLimits() {
        let defaults = HNSWSettings()
        #expect(defaults == HNSWSettings(m: 32, efConstruction: 128, efSearchFloor: 100))
        #expect(defaults.efSearch(k: 10) == 100)
        #expect(defaults.efSearch(k: 300) == 300)
        #expect(defaults.efSearch(k: 5000) == 1000, "pgvector's ceiling")
        // pgvector refuses m outside 2…100 and ef_construction below 2 m: both are brought into range.
        let clamped = HNSWSettings(m: 500, efConstruction: 10, efSearchFloor: 0)
        #expect(clamped.m == 100 && clamped.efConstruction == 200 && clamped.efSearchFloor == 1)
    }

    @Test func readsTheEnvironment() {
        let set = HNSWSettings(environment: ["ZHIKU_PG_HNSW_M": "16", "ZHIKU_PG_HNSW_EF_CONSTRUCTION": "64", "ZHIKU_PG_HNSW_EF_SEARCH": "40"])
        #expect(set == HNSWSettings(m: 16, efConstruction: 64, efSearchFloor: 40))
        #expect(HNSWSettings(environment: ["ZHIKU_PG_HNSW_M": "many"]) == HNSWSettings())
    }
}
