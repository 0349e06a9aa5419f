import Foundation
import ZhikuCore

/// The log-mel features of an audio file, read in two passes so memory stays bounded whatever the recording's
/// length: the first pass decodes the file a block at a time to find its length and its loudest mel value (the
/// features are clamped to 8 decades below it), the second decodes it again as windows are asked for, keeping only
/// the samples the next window reads (about 30 s). The values equal those of ``MelFeatureArray`` over the whole
/// decoded file.
public final class StreamedMelFeatures: MelFeatureSource {
    public let sampleCount: Int
    public let frames: Int
    public var bins: Int { frontEnd.bins }
    /// The most samples held at once by either pass (for tests and logs).
    public private(set) var peakBufferedSamples = 0

    private let frontEnd: LogMelSpectrogram
    private let loudest: Float
    private let stream: AudioStream
    /// Samples of the second pass from `bufferStart` on.
    private var buffer: [Float] = []
    private var bufferStart = 0
    /// Samples read per step of either pass (30 s).
    static let step = 30 * LogMelSpectrogram.sampleRate

    /// Decodes the file at `url` once to measure it (throws ``ZhikuError/invalidInput(_:)`` for files that are not
    /// audio or are longer than `maximumSeconds`) and opens it again for the windows.
    public init(url: URL, frontEnd: LogMelSpectrogram, maximumSeconds: Double = AudioDecoder.defaultMaximumSeconds) throws {
        self.frontEnd = frontEnd
        let first = try AudioStream(url: url, sampleRate: LogMelSpectrogram.sampleRate, maximumSeconds: maximumSeconds)
        // Until the file ends its length is unknown; no sample index reaches this.
        let unknown = Int.max / 4
        var held: [Float] = [], heldStart = 0, nextFrame = 0, loudest = -Float.infinity, peak = 0
        while true {
            let piece = try first.read(Self.step)
            held += piece
            peak = max(peak, held.count)
            let ended = piece.isEmpty
            let available = heldStart + held.count
            // Frames whose samples have all arrived (all of them once the file has ended).
            var upTo = LogMelSpectrogram.frameCount(samples: available)
            if !ended {
                while upTo > nextFrame,
                      LogMelSpectrogram.samplesRead(byFrames: (upTo - 1)..<upTo, sampleCount: unknown).upperBound > available {
                    upTo -= 1
                }
            }
            if upTo > nextFrame {
                let start = heldStart
                let values = held.withUnsafeBufferPointer { samples in
                    frontEnd.logMel(frames: nextFrame..<upTo, sampleCount: ended ? available : unknown) { samples[$0 - start] }
                }
                loudest = max(loudest, values.max() ?? loudest)
                nextFrame = upTo
                let keepFrom = LogMelSpectrogram.samplesRead(byFrames: nextFrame..<(nextFrame + 1), sampleCount: unknown).lowerBound
                if keepFrom > heldStart {
                    held.removeFirst(min(held.count, keepFrom - heldStart))
                    heldStart = keepFrom
                }
            }
            if ended { break }
        }
        sampleCount = first.position
        frames = LogMelSpectrogram.frameCount(samples: sampleCount)
        guard frames > 0, nextFrame == frames else {
            throw ZhikuError(.internal, "audio \(url.lastPathComponent): measured \(nextFrame) of \(frames) feature frames")
        }
        self.loudest = loudest
        peakBufferedSamples = peak
        stream = try AudioStream(url: url, sampleRate: LogMelSpectrogram.sampleRate, maximumSeconds: maximumSeconds)
    }

    public func window(from: Int, count: Int, size: Int) throws -> [Float] {
        let range = from..<(from + min(count, size))
        guard !range.isEmpty else { return [Float](repeating: 0, count: bins * size) }
        let needed = LogMelSpectrogram.samplesRead(byFrames: range, sampleCount: sampleCount)
        guard needed.lowerBound >= bufferStart else {
            throw ZhikuError(.internal, "audio features asked for out of order (frame \(from))")
        }
        if needed.lowerBound > bufferStart {
            buffer.removeFirst(min(buffer.count, needed.lowerBound - bufferStart))
            bufferStart = needed.lowerBound
        }
        while bufferStart + buffer.count < needed.upperBound {
            let piece = try stream.read(needed.upperBound - bufferStart - buffer.count)
            if piece.isEmpty {
                throw ZhikuError(.internal, "audio \(stream.name) changed while it was read: \(stream.position) of \(sampleCount) samples")
            }
            buffer += piece
        }
        peakBufferedSamples = max(peakBufferedSamples, buffer.count)
        let start = bufferStart
        var values = buffer.withUnsafeBufferPointer { samples in
            frontEnd.logMel(frames: range, sampleCount: sampleCount) { samples[$0 - start] }
        }
        LogMelSpectrogram.scale(&values, loudest: loudest)
        return Self.window(of: values, frames: range.count, from: 0, count: range.count, bins: bins, size: size)
    }
}
