import Foundation
import Testing
@testable import ZhikuModels

@Suite struct LogMelSpectrogramTests {
    @Test func framesEveryTenMilliseconds() {
        let frontEnd = LogMelSpectrogram()
        let (values, frames) = frontEnd.features([Float](repeating: 0.1, count: 16_000))
        #expect(frames == 101)
        #expect(values.count == 80 * 101)
    }

    @Test func aToneLightsTheMelBinOfItsPitch() {
        let frontEnd = LogMelSpectrogram()
        func loudestBin(hertz: Double) -> Int {
            let samples = (0..<16_000).map { Float(0.5 * sin(2 * Double.pi * hertz * Double($0) / 16_000)) }
            let (values, frames) = frontEnd.features(samples)
            let middle = frames / 2
            return (0..<80).max { values[$0 * frames + middle] < values[$1 * frames + middle] }!
        }
        let low = loudestBin(hertz: 300), middle = loudestBin(hertz: 1_000), high = loudestBin(hertz: 4_000)
        #expect(low < middle && middle < high)
        // Below 1 kHz the mel scale is linear: 200/3 Hz per mel, and 80 bins span 0–45.2 mel (≈ 0.56 mel per bin).
        #expect(abs(Double(low) - 300 / (200.0 / 3) / (45.245640471924965 / 81)) <= 1.5)
    }

    @Test func valuesAreClampedToEightDecadesAndScaled() {
        let frontEnd = LogMelSpectrogram()
        var samples = [Float](repeating: 0, count: 8_000)
        for i in 4_000..<4_400 { samples[i] = Float(sin(Double(i) * 0.3)) }
        let (values, _) = frontEnd.features(samples)
        let top = values.max()!, bottom = values.min()!
        // log10 range at most 8, scaled by 1/4: the spread of the features is at most 2.
        #expect(top - bottom <= 2.0001)
        #expect(top - bottom > 1.9)
    }

    @Test func filtersMatchSlaneysMelScale() {
        let filters = LogMelSpectrogram.melFilters(bins: 80)
        #expect(filters.count == 80 * 201)
        // Every bin has some weight and no weight is negative.
        for b in 0..<80 { #expect(filters[(b * 201)..<((b + 1) * 201)].reduce(0, +) > 0) }
        #expect(filters.allSatisfy { $0 >= 0 })
    }

    /// Frames computed a few at a time (as ``StreamedMelFeatures`` does) give the values computed all at once.
    @Test func framesComputedInPiecesEqualFramesComputedAtOnce() {
        let frontEnd = LogMelSpectrogram()
        let samples = (0..<40_000).map { Float(0.3 * sin(Double($0) * 0.05) + 0.1 * sin(Double($0) * 0.71)) }
        let frames = LogMelSpectrogram.frameCount(samples: samples.count)
        let whole = frontEnd.logMel(frames: 0..<frames, sampleCount: samples.count) { samples[$0] }
        var worst: Float = 0
        var first = 0
        for count in [1, 7, 64, 3, 100, 1_000] where first < frames {
            let range = first..<min(frames, first + count)
            let needed = LogMelSpectrogram.samplesRead(byFrames: range, sampleCount: samples.count)
            let piece = frontEnd.logMel(frames: range, sampleCount: samples.count) { i in
                precondition(needed.contains(i), "frames \(range) read sample \(i) outside \(needed)")
                return samples[i]
            }
            for b in 0..<80 {
                for t in 0..<range.count { worst = max(worst, abs(piece[b * range.count + t] - whole[b * frames + first + t])) }
            }
            first = range.upperBound
        }
        #expect(first == frames)
        #expect(worst <= 1e-5, "largest difference \(worst)")
    }
}
