import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite(.offThePool) struct StreamedMelFeaturesTests {
    /// `seconds` of a changing signal (a gliding tone, bursts of noise, a quiet stretch) at 16 kHz.
    static func recording(seconds: Int, to url: URL) throws -> [Float] {
        var state: UInt64 = 12_345
        let samples = (0..<(seconds * 16_000)).map { i -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Float(Int64(bitPattern: state >> 11) % 1_000) / 4_000
            let t = Double(i) / 16_000
            let tone = Float(0.4 * sin(2 * Double.pi * (200 + 20 * t) * t))
            let second = i / 16_000
            return second % 7 == 3 ? 0.001 * tone : (second % 5 == 0 ? tone + noise : tone)
        }
        try AudioClip(samples: samples, sampleRate: 16_000).wav().write(to: url)
        return samples
    }

    /// Windows read from the file in two streamed passes equal the features of the whole decoded recording, also
    /// where windows overlap, at the start (reflection) and at the end (padding).
    @Test func windowsEqualTheFeaturesOfTheWholeRecording() throws {
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("long.wav")
        _ = try Self.recording(seconds: 75, to: url)
        let frontEnd = LogMelSpectrogram()
        let whole = MelFeatureArray(samples: try AudioDecoder.decode(url).samples, frontEnd: frontEnd)
        let streamed = try StreamedMelFeatures(url: url, frontEnd: frontEnd)
        #expect(streamed.sampleCount == whole.sampleCount)
        #expect(streamed.frames == whole.frames)
        var worst: Float = 0
        for (from, count) in [(0, 3_000), (0, 3_000), (2_480, 3_000), (5_480, whole.frames - 5_480), (7_400, whole.frames - 7_400)] {
            let a = try streamed.window(from: from, count: count, size: 3_000)
            let b = whole.window(from: from, count: count, size: 3_000)
            #expect(a.count == b.count)
            for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        }
        #expect(worst <= 1e-5, "largest difference \(worst)")
        #expect(throws: ZhikuError.self) { try streamed.window(from: 0, count: 100, size: 3_000) }
    }

    /// A recording ten times the window's length never has more than a window's samples (plus the STFT's overlap)
    /// in memory at once.
    @Test func memoryStaysAtAWindowWhateverTheLength() throws {
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("five-minutes.wav")
        _ = try Self.recording(seconds: 300, to: url)
        let streamed = try StreamedMelFeatures(url: url, frontEnd: LogMelSpectrogram())
        var seek = 0
        while seek < streamed.frames - 1 {
            _ = try streamed.window(from: seek, count: min(3_000, streamed.frames - 1 - seek), size: 3_000)
            seek += 2_700
        }
        #expect(streamed.sampleCount == 300 * 16_000)
        #expect(streamed.peakBufferedSamples <= 31 * 16_000, "held \(streamed.peakBufferedSamples) samples")
    }

    @Test func aFileThatIsNotAudioGivesAClearError() throws {
        let folder = TemporaryFolder()
        let junk = folder.write("junk.ogg", TestDocuments.junk(count: 2_048))
        #expect(throws: ZhikuError.self) { try StreamedMelFeatures(url: junk, frontEnd: LogMelSpectrogram()) }
    }
}
