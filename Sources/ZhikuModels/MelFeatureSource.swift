/// Whisper's log-mel features of one recording, handed out a window at a time, so a long recording need not be
/// held whole (``StreamedMelFeatures``) — or from memory (``MelFeatureArray``).
public protocol MelFeatureSource: AnyObject {
    /// Samples in the recording (16 kHz).
    var sampleCount: Int { get }
    /// Feature frames (one per 10 ms, plus one).
    var frames: Int { get }
    /// Mel bins per frame.
    var bins: Int { get }
    /// Frames `from ..< from + count` as [bins × size] (row-major), zero-padded from `count` to `size` frames.
    /// Windows are asked for in order: a window never starts before an earlier window's start.
    func window(from: Int, count: Int, size: Int) throws -> [Float]
}

extension MelFeatureSource {
    /// `count` frames from `from` of `values` ([bins × frames], row-major) as [bins × size], zero-padded — the window
    /// both sources hand out.
    static func window(of values: [Float], frames: Int, from: Int, count: Int, bins: Int, size: Int) -> [Float] {
        var out = [Float](repeating: 0, count: bins * size)
        for b in 0..<bins {
            for t in 0..<min(count, size) { out[b * size + t] = values[b * frames + from + t] }
        }
        return out
    }

    /// The recording's length in seconds.
    public var duration: Double { Double(sampleCount) / Double(LogMelSpectrogram.sampleRate) }
}
