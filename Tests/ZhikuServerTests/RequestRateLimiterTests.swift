import Foundation
import Testing
import ZhikuCore
@testable import ZhikuServer

@Suite struct RequestRateLimiterTests {
    @Test func aBucketOfPerMinuteRequestsRefilledEvenly() async throws {
        let limiter = RequestRateLimiter(perMinute: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<60 { try await limiter.take(1, now: start.addingTimeInterval(Double(i) * 0.001)) }
        await #expect(throws: ZhikuError.self) { try await limiter.take(1, now: start.addingTimeInterval(0.1)) }
        try await limiter.take(2, now: start.addingTimeInterval(0.1))   // users have buckets of their own
        try await limiter.take(1, now: start.addingTimeInterval(1.2))   // one request a second comes back
        await #expect(throws: ZhikuError.self) { try await limiter.take(1, now: start.addingTimeInterval(1.3)) }
        for i in 0..<60 { try await limiter.take(1, now: start.addingTimeInterval(200 + Double(i) * 0.001)) }   // full again, not more
        await #expect(throws: ZhikuError.self) { try await limiter.take(1, now: start.addingTimeInterval(200.1)) }
        let unlimited = RequestRateLimiter(perMinute: 0)
        for _ in 0..<1000 { try await unlimited.take(1, now: start) }
    }
}
