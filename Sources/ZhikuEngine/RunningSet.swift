/// A set of keys with work in progress, shared by tasks.
actor RunningSet<Key: Hashable & Sendable> {
    private var keys: Set<Key> = []

    /// False when `key` is already in the set.
    func insert(_ key: Key) -> Bool { keys.insert(key).inserted }
    func remove(_ key: Key) { keys.remove(key) }
}
