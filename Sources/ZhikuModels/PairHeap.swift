/// A min-heap of (rank, left position) pairs packed into one integer, so ties go to the leftmost pair (the merge
/// queue of both BPE tokenizers, byte-level and SentencePiece).
struct PairHeap {
    private var items: [UInt64] = []

    mutating func push(rank: UInt64, left: Int) {
        items.append(rank << 32 | UInt64(left))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[parent] > items[i] else { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> (UInt64, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < items.count && items[l] < items[smallest] { smallest = l }
                if r < items.count && items[r] < items[smallest] { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return (top >> 32, Int(top & 0xFFFF_FFFF))
    }
}
