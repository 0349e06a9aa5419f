/// The log-mel features of samples held in memory, computed at once.
public final class MelFeatureArray: MelFeatureSource {
    public let sampleCount: Int
    public let frames: Int
    public let bins: Int
    /// [bins × frames], row-major.
    public let values: [Float]

    public init(samples: [Float], frontEnd: LogMelSpectrogram) {
        (values, frames) = frontEnd.features(samples)
        sampleCount = samples.count
        bins = frontEnd.bins
    }

    public func window(from: Int, count: Int, size: Int) -> [Float] {
        var out = [Float](repeating: 0, count: bins * size)
        for b in 0..<bins {
            for t in 0..<min(count, size) { out[b * size + t] = values[b * frames + from + t] }
        }
        return out
    }
}
