import Testing
@testable import ZhikuModels

/// Lent buffers come back and are lent again; no more than the limit are kept.
@Suite struct ScratchBuffersTests {
    @Test func aReturnedBufferIsLentAgain() {
        let buffers = ScratchBuffers(limit: 2)
        let first = buffers.withBuffer(count: 1000) { p -> UnsafeMutablePointer<Float> in
            p[999] = 1
            return p
        }
        let second = buffers.withBuffer(count: 500) { $0 }
        #expect(first == second)
        #expect(buffers.keptFloats == 1000)
    }

    @Test func aBiggerRequestGetsABiggerBufferAndAtMostTheLimitIsKept() {
        let buffers = ScratchBuffers(limit: 2)
        buffers.withBuffer(count: 10) { a in
            buffers.withBuffer(count: 20) { b in
                buffers.withBuffer(count: 30) { c in
                    #expect(a != b && b != c)
                }
            }
        }
        #expect(buffers.keptFloats == 50, "the two biggest are kept")
        // None is big enough: the biggest kept one (30) is replaced by one of 100; the one of 20 stays.
        buffers.withBuffer(count: 100) { p in p[99] = 2 }
        #expect(buffers.keptFloats == 120)
        // A small request takes the smallest that fits, leaving the big one for a big request.
        buffers.withBuffer(count: 15) { small in
            buffers.withBuffer(count: 90) { big in #expect(small != big) }
        }
        #expect(buffers.keptFloats == 120, "nothing was reallocated")
    }
}
