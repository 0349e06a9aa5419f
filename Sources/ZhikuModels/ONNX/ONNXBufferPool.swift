import Foundation

/// Float buffers freed during one ``ONNXSession/run(_:)``, handed out again to later nodes that need the same
/// size: a page's detection pass frees and allocates hundreds of tensors of a few sizes, and fresh allocations of
/// that size come from the kernel page by page (millions of page faults, a third of the run in system time).
/// One pool per run, used by one thread.
final class ONNXBufferPool {
    private var free: [[Float]] = []

    /// A buffer of `count` floats whose values the caller overwrites, all of them: the smallest free one that holds
    /// `count` (and is at most about twice as large), keeping its old contents, else a new one.
    func uninitialized(_ count: Int) -> [Float] {
        guard let chosen = pick(count) else { return [Float](repeating: 0, count: count) }
        var buffer = free.remove(at: chosen)
        if buffer.count >= count {
            buffer.removeLast(buffer.count - count)
        } else {
            buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
        }
        return buffer
    }

    private func pick(_ count: Int) -> Int? {
        var chosen: Int?
        for (index, buffer) in free.enumerated() where buffer.capacity >= count && buffer.capacity <= 2 * count + 4096 {
            if chosen == nil || buffer.capacity < free[chosen!].capacity { chosen = index }
        }
        return chosen
    }

    /// A buffer of `count` zeros.
    func zeros(_ count: Int) -> [Float] {
        var buffer = uninitialized(count)
        buffer.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        return buffer
    }

    /// Takes back a buffer no value uses any more.
    func recycle(_ buffer: consuming [Float]) {
        guard buffer.capacity >= 4096 else { return }
        free.append(buffer)
    }
}
