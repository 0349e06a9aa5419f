import Foundation

/// Large float buffers lent for the length of one call and then kept for the next: a prompt dequantizes every
/// weight matrix once per block (tens of MB each), and allocating, zeroing and page-faulting that memory anew for
/// every matrix of every layer cost time and left the allocator's heap fragmented (memory that grew under load).
/// At most ``limit`` buffers are kept; a borrower that finds none free gets a new one.
final class ScratchBuffers: @unchecked Sendable {
    /// The process's buffers (one is in use per core at a time).
    static let shared = ScratchBuffers(limit: 4)

    let limit: Int
    private let lock = NSLock()
    private var free: [UnsafeMutableBufferPointer<Float>] = []

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` with a buffer of at least `count` floats (its contents are whatever the last borrower left).
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        var buffer = lock.withLock { () -> UnsafeMutableBufferPointer<Float>? in
            // The smallest that is big enough (a small request must not take the big buffer a big one needs next);
            // else the biggest, to be grown.
            if let i = free.indices.filter({ free[$0].count >= count }).min(by: { free[$0].count < free[$1].count }) {
                return free.remove(at: i)
            }
            return free.indices.max { free[$0].count < free[$1].count }.map { free.remove(at: $0) }
        }
        if let small = buffer, small.count < count {
            small.deallocate()
            buffer = nil
        }
        let lent = buffer ?? UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        defer {
            let dropped: UnsafeMutableBufferPointer<Float>? = lock.withLock {
                free.append(lent)
                if free.count > limit {
                    // Keep the biggest ones.
                    free.sort { $0.count > $1.count }
                    return free.removeLast()
                }
                return nil
            }
            dropped?.deallocate()
        }
        return try body(lent.baseAddress!)
    }

    /// How many floats the kept buffers hold (for tests).
    var keptFloats: Int { lock.withLock { free.reduce(0) { $0 + $1.count } } }
}
