import COpenBLAS
import Foundation

/// Whisper's front end: 16 kHz mono samples → 80 log-mel bins every 10 ms (25 ms Hann windows, 400-point DFT,
/// Slaney-style mel filters), clamped to 8 decades below the loudest bin and scaled to about [-1, 1], the way
/// Whisper and faster-whisper compute it (160 zero samples appended, reflect-padded centred frames, last frame
/// dropped).
public struct LogMelSpectrogram: Sendable {
    public static let sampleRate = 16_000
    public static let hopLength = 160
    public static let fftSize = 400
    public let bins: Int
    /// [bins × 201] triangular filters.
    private let filters: [Float]
    /// [402 × 400]: rows 2f and 2f+1 are cos and sin of frequency f times the Hann window, so one matrix product
    /// gives every frame's windowed DFT.
    private let windowedDFT: [Double]

    public init(bins: Int = 80) {
        self.bins = bins
        filters = Self.melFilters(bins: bins)
        let n = Self.fftSize, frequencies = n / 2 + 1
        var dft = [Double](repeating: 0, count: 2 * frequencies * n)
        for k in 0..<n {
            // numpy.hanning(401)[:-1] in float32.
            let window = Double(Float(0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(n))))
            for f in 0..<frequencies {
                let angle = 2 * Double.pi * Double((f * k) % n) / Double(n)
                dft[(2 * f) * n + k] = cos(angle) * window
                dft[(2 * f + 1) * n + k] = -sin(angle) * window
            }
        }
        windowedDFT = dft
    }

    /// Frames whose spectra are computed at once (a block's DFT input is 3.2 MB; long audio is never held as one
    /// frame matrix).
    static let framesPerBlock = 1000

    /// The log-mel features of `samples` as [bins × frames] (row-major), frames = samples.count / 160 + 1.
    public func features(_ samples: [Float]) -> (values: [Float], frames: Int) {
        let frames = Self.frameCount(samples: samples.count)
        guard frames > 0 else { return ([], 0) }
        var mel = samples.withUnsafeBufferPointer { buffer in
            logMel(frames: 0..<frames, sampleCount: samples.count) { buffer[$0] }
        }
        Self.scale(&mel, loudest: mel.max() ?? 0)
        return (mel, frames)
    }

    /// Frames of the features of `samples` samples: the STFT's 1 + (…) frames of the padded signal, the last
    /// one dropped.
    public static func frameCount(samples: Int) -> Int {
        let length = max(samples + hopLength, fftSize / 2 + 1)
        return length / hopLength
    }

    /// The samples frames `range` of a recording of `sampleCount` samples read (the first frames also read their
    /// reflection, samples 1…200; the last frames' reflection falls in the 160 appended zeros, so it reads none).
    public static func samplesRead(byFrames range: Range<Int>, sampleCount: Int) -> Range<Int> {
        let half = fftSize / 2
        let lower = max(0, range.lowerBound * hopLength - half)
        var upper = (range.upperBound - 1) * hopLength + half
        if range.lowerBound * hopLength < half { upper = max(upper, half + 1) }
        upper = min(upper, sampleCount)
        return min(lower, upper)..<upper
    }

    /// log10 of the mel power of frames `range` of a recording of `sampleCount` samples, as [bins × range.count],
    /// before clamping and scaling (``scale(_:loudest:)``); `sample(i)` reads sample `i` (only those in
    /// ``samplesRead(byFrames:sampleCount:)``). Computing the frames of a long recording block by block gives the
    /// values computing them at once gives.
    public func logMel(frames range: Range<Int>, sampleCount: Int, sample: (Int) -> Float) -> [Float] {
        let n = Self.fftSize, hop = Self.hopLength, half = n / 2, frequencies = n / 2 + 1
        // The signal is the samples with 160 zeros appended, reflect-padded by 200 on both sides (numpy's "reflect":
        // the edge sample not repeated); `padded(i)` reads that padded signal without building it.
        let length = max(sampleCount + hop, half + 1)
        func signal(_ i: Int) -> Double { i < sampleCount ? Double(sample(i)) : 0 }
        func padded(_ i: Int) -> Double {
            if i < half { return signal(half - i) }
            if i < half + length { return signal(i - half) }
            return signal(length - 2 - (i - half - length))
        }
        let frames = range.count
        guard frames > 0 else { return [] }
        var mel = [Float](repeating: 0, count: bins * frames)
        let block = Self.framesPerBlock
        var frameMatrix = [Double](repeating: 0, count: block * n)
        var spectra = [Double](repeating: 0, count: block * 2 * frequencies)
        var power = [Float](repeating: 0, count: block * frequencies)
        for first in stride(from: 0, to: frames, by: block) {
            let count = min(block, frames - first)
            // One row per frame (BLAS needs lda ≥ n, so overlapping frames are copied), then every frame's windowed
            // DFT in one product.
            for t in 0..<count {
                let offset = (range.lowerBound + first + t) * hop
                for k in 0..<n { frameMatrix[t * n + k] = padded(offset + k) }
            }
            frameMatrix.withUnsafeBufferPointer { x in
                windowedDFT.withUnsafeBufferPointer { w in
                    spectra.withUnsafeMutableBufferPointer { s in
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(2 * frequencies), Int32(n),
                                    1, x.baseAddress, Int32(n), w.baseAddress, Int32(n), 0, s.baseAddress, Int32(2 * frequencies))
                    }
                }
            }
            for t in 0..<count {
                for f in 0..<frequencies {
                    let re = Float(spectra[t * 2 * frequencies + 2 * f]), im = Float(spectra[t * 2 * frequencies + 2 * f + 1])
                    let magnitude = (re * re + im * im).squareRoot()
                    power[t * frequencies + f] = magnitude * magnitude
                }
            }
            // mel[bins × frames] (these columns) = filters[bins × 201] · powerᵀ
            filters.withUnsafeBufferPointer { fb in
                power.withUnsafeBufferPointer { p in
                    mel.withUnsafeMutableBufferPointer { m in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(bins), Int32(count), Int32(frequencies),
                                    1, fb.baseAddress, Int32(frequencies), p.baseAddress, Int32(frequencies), 0,
                                    m.baseAddress! + first, Int32(frames))
                    }
                }
            }
        }
        for i in mel.indices { mel[i] = log10f(max(mel[i], 1e-10)) }
        return mel
    }

    /// Clamps log-mel values to 8 decades below `loudest` (the recording's largest value) and scales them to
    /// about [-1, 1].
    public static func scale(_ values: inout [Float], loudest: Float) {
        let floor = loudest - 8
        for i in values.indices { values[i] = (max(values[i], floor) + 4) / 4 }
    }

    /// librosa's Slaney mel filter bank for 16 kHz and a 400-point DFT, area-normalised, in float32.
    static func melFilters(bins: Int) -> [Float] {
        let n = fftSize, frequencies = n / 2 + 1
        let fftFrequencies = (0..<frequencies).map { Double($0) * Double(sampleRate) / Double(n) }
        let maxMel = 45.245640471924965
        let minLogHz = 1000.0, fSp = 200.0 / 3, minLogMel = minLogHz / fSp, logStep = log(6.4) / 27
        let hz: [Double] = (0..<(bins + 2)).map { i in
            let mel = maxMel * Double(i) / Double(bins + 1)
            return mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fSp * mel
        }
        var weights = [Float](repeating: 0, count: bins * frequencies)
        for b in 0..<bins {
            let lowerWidth = hz[b + 1] - hz[b], upperWidth = hz[b + 2] - hz[b + 1]
            let norm = 2 / (hz[b + 2] - hz[b])
            for f in 0..<frequencies {
                let lower = -(hz[b] - fftFrequencies[f]) / lowerWidth
                let upper = (hz[b + 2] - fftFrequencies[f]) / upperWidth
                weights[b * frequencies + f] = Float(max(0, min(lower, upper)) * norm)
            }
        }
        return weights
    }
}
