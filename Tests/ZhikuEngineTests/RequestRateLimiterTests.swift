import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuTestSupport

@Suite struct RequestRateLimiterTests {
    @Test func aBucketOfPerMinuteRequestsRefilledEvenly() async throws {
        let clock = ManualClock(start: 1_000_000)
        let limiter = RequestRateLimiter(perMinute: 60, clock: clock.function)
        for _ in 0..<60 {
            try await limiter.take(1)
            clock.advance(by: 0.001)
        }
        await #expect(throws: ZhikuError.self) { try await limiter.take(1) }
        try await limiter.take(2)   // users have buckets of their own
        clock.advance(by: 1.1)
        try await limiter.take(1)   // one request a second comes back
        clock.advance(by: 0.1)
        await #expect(throws: ZhikuError.self) { try await limiter.take(1) }
        clock.advance(by: 200)
        for _ in 0..<60 { try await limiter.take(1) }   // full again, not more
        await #expect(throws: ZhikuError.self) { try await limiter.take(1) }
        let unlimited = RequestRateLimiter(perMinute: 0, clock: clock.function)
        for _ in 0..<1000 { try await unlimited.take(1) }
    }

    @Test func theErrorSaysHowLongToWait() async throws {
        let clock = ManualClock(start: 1_000_000)
        let limiter = RequestRateLimiter(perMinute: 3, clock: clock.function)
        for _ in 0..<3 { try await limiter.take(7) }
        do {
            try await limiter.take(7)
            Issue.record("a fourth request in the same instant was let through")
        } catch let error as ZhikuError {
            #expect(error.message.contains("try again in 20 s"), "\(error.message)")
        }
        clock.advance(by: 19.9)
        await #expect(throws: ZhikuError.self) { try await limiter.take(7) }
        clock.advance(by: 0.2)
        try await limiter.take(7)
    }
}
