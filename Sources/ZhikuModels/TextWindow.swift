import ZhikuCore

/// A stretch of one text's token ids with its sentence markers, as one encoder pass reads it, weighted by its
/// length when a long text's windows are averaged back into one vector (E5 and EmbeddingGemma).
struct TextWindow: Sendable {
    var text: Int
    var ids: [Int32]
    var weight: Float

    /// Each text's content ids cut into windows of at most `length`; an empty text is one window of the markers.
    static func cut(_ contents: [[Int32]], length: Int, bos: Int32, eos: Int32) -> [TextWindow] {
        var windows: [TextWindow] = []
        for (t, content) in contents.enumerated() {
            if content.isEmpty {
                windows.append(TextWindow(text: t, ids: [bos, eos], weight: 1))
                continue
            }
            for start in stride(from: 0, to: content.count, by: length) {
                let piece = content[start..<min(content.count, start + length)]
                windows.append(TextWindow(text: t, ids: [bos] + piece + [eos], weight: Float(piece.count)))
            }
        }
        return windows
    }

    /// Each text tokenized by `ids` and cut into windows of at most `length` ids (on ``ComputeThreads``), the
    /// windows pooled `batchSize` at a time (cancellation checked between batches), and per text the
    /// length-weighted mean of its windows' pooled vectors (not normalised).
    static func pooledMeans(of texts: [String], ids: @escaping @Sendable (String) -> [Int32], length: Int, bos: Int32,
                            eos: Int32, width: Int, batchSize: Int,
                            pool: @escaping @Sendable ([[Int32]]) -> [[Float]]) async throws -> [[Float]] {
        let windows = try await ComputeThreads.shared.run { cut(texts.map(ids), length: length, bos: bos, eos: eos) }
        var sums = [[Float]](repeating: [Float](repeating: 0, count: width), count: texts.count)
        var weights = [Float](repeating: 0, count: texts.count)
        for start in stride(from: 0, to: windows.count, by: batchSize) {
            try Task.checkCancellation()
            let batch = Array(windows[start..<min(windows.count, start + batchSize)])
            let pooled = try await ComputeThreads.shared.run { pool(batch.map(\.ids)) }
            for (w, mean) in zip(batch, pooled) {
                for i in 0..<width { sums[w.text][i] += w.weight * mean[i] }
                weights[w.text] += w.weight
            }
        }
        return sums.enumerated().map { t, sum in sum.map { $0 / max(weights[t], 1e-12) } }
    }
}
