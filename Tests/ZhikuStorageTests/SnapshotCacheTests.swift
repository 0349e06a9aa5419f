import Foundation
import Testing
import ZhikuTestSupport
@testable import ZhikuStorage

@Suite struct SnapshotCacheTests {
    @Test func snapshotsServeOnlyTheirGenerationAndNeverGoBack() {
        let cache = SnapshotCache<Int, String>()
        #expect(cache.snapshot(for: 1, generation: 1) == nil)
        cache.store("one", for: 1, generation: 1)
        #expect(cache.snapshot(for: 1, generation: 1) == "one")
        #expect(cache.snapshot(for: 1, generation: 2) == nil, "a newer generation is not served an older snapshot")
        cache.store("three", for: 1, generation: 3)
        cache.store("two", for: 1, generation: 2)  // a slower build of an older generation finishing last
        #expect(cache.generation(of: 1) == 3)
        #expect(cache.snapshot(for: 1, generation: 3) == "three")
        #expect(cache.snapshot(for: 2, generation: 3) == nil, "keys are apart")
    }

    @Test func oneBuildAtATimeAndARestAfterEach() {
        let clock = ManualClock(start: 100)
        let cache = SnapshotCache<Int, String>(restAfterBuild: 2, clock: clock.function)
        #expect(cache.beginBuilding(1))
        #expect(!cache.beginBuilding(1), "a build is under way")
        #expect(cache.beginBuilding(2), "another key builds on its own")
        clock.advance(by: 10)
        cache.finishBuilding(1)  // took 10 s: the next build of key 1 waits 20 s
        clock.advance(by: 19.9)
        #expect(!cache.beginBuilding(1))
        clock.advance(by: 0.2)
        #expect(cache.beginBuilding(1))

        let eager = SnapshotCache<Int, String>(clock: clock.function)
        #expect(eager.beginBuilding(1))
        clock.advance(by: 10)
        eager.finishBuilding(1)
        #expect(eager.beginBuilding(1), "without a rest, the next build may start at once")
    }
}
