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
        Self.window(of: values, frames: frames, from: from, count: count, bins: bins, size: size)
    }
}
