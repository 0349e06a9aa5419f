import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite(.offThePool) struct AudioDecoderTests {
    @Test func wavIsResampledToSixteenKilohertzMono() throws {
        let folder = TemporaryFolder()
        let tone = AudioClip(samples: (0..<44_100).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 44_100)) },
                             sampleRate: 44_100)
        let url = folder.url.appendingPathComponent("tone.wav")
        try tone.wav().write(to: url)
        let decoded = try AudioDecoder.decode(url, sampleRate: 16_000)
        #expect(decoded.sampleRate == 16_000)
        #expect(abs(decoded.samples.count - 16_000) <= 32)
        let peak = decoded.samples.map(abs).max() ?? 0
        #expect(abs(peak - 0.5) < 0.02)
    }

    /// Every container and codec the issue names, encoded by the ffmpeg tool from one WAV, decodes to the same
    /// length and loudness.
    @Test func everyCommonFormatDecodes() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") else {
            try Skip.now("/usr/bin/ffmpeg not found (scripts/setup.sh --tests installs it)")
        }
        let folder = TemporaryFolder()
        let source = folder.url.appendingPathComponent("tone.wav")
        // Two seconds of a 440 Hz tone that swells and fades, at 44.1 kHz.
        let samples = (0..<88_200).map { i -> Float in
            let t = Double(i) / 44_100
            return Float(0.6 * sin(Double.pi * t / 2) * sin(2 * Double.pi * 440 * t))
        }
        try AudioClip(samples: samples, sampleRate: 44_100).wav().write(to: source)
        let reference = try AudioDecoder.decode(source)
        func rms(_ x: [Float]) -> Float { (x.reduce(0) { $0 + $1 * $1 } / Float(max(1, x.count))).squareRoot() }
        for (name, codec) in [("tone.mp3", ["-c:a", "libmp3lame"]), ("tone.m4a", ["-c:a", "aac"]), ("tone.ogg", ["-c:a", "libopus"]),
                              ("tone.webm", ["-c:a", "libopus"]), ("tone.flac", ["-c:a", "flac"])] {
            let target = folder.url.appendingPathComponent(name)
            let ffmpeg = Process()
            ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            ffmpeg.arguments = ["-loglevel", "error", "-y", "-i", source.path] + codec + [target.path]
            try ffmpeg.run()
            ffmpeg.waitUntilExit()
            #expect(ffmpeg.terminationStatus == 0, "ffmpeg could not write \(name)")
            let decoded = try AudioDecoder.decode(target)
            // Encoders add a little padding (MP3, AAC and Opus frames), never a tenth of a second.
            #expect(abs(decoded.duration - reference.duration) < 0.1, "\(name): \(decoded.duration) s vs \(reference.duration) s")
            #expect(abs(rms(decoded.samples) - rms(reference.samples)) < 0.02, "\(name): loudness \(rms(decoded.samples)) vs \(rms(reference.samples))")
        }
    }

    @Test func junkAndSilentFilesGiveAClearError() throws {
        let folder = TemporaryFolder()
        let junk = folder.write("junk.mp3", TestDocuments.junk(count: 4_096))
        #expect(throws: ZhikuError.self) { try AudioDecoder.decode(junk) }
        let empty = folder.write("empty.wav", [UInt8]())
        #expect(throws: ZhikuError.self) { try AudioDecoder.decode(empty) }
        // A WAV header promising sound, with none.
        let headerOnly = folder.write("header.wav", Array(AudioClip(samples: [], sampleRate: 16_000).wav()))
        #expect(throws: ZhikuError.self) { try AudioDecoder.decode(headerOnly) }
    }

    @Test func audioLongerThanTheLimitIsRefused() throws {
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("long.wav")
        try AudioClip(samples: [Float](repeating: 0.1, count: 16_000 * 3), sampleRate: 16_000).wav().write(to: url)
        do {
            _ = try AudioDecoder.decode(url, maximumSeconds: 2)
            Issue.record("3 s of audio passed a 2 s limit")
        } catch let error as ZhikuError {
            #expect(error.message.contains("limit"))
        }
    }

    /// A file whose container states a length over the limit is refused before its samples are decoded (the
    /// message gives the stated length; the cut-off while decoding says "longer than the limit" instead).
    @Test func aStatedLengthOverTheLimitIsRefusedBeforeDecoding() throws {
        guard TestAudio.available else {
            try Skip.now("/usr/bin/ffmpeg not found (scripts/setup.sh --tests installs it)")
        }
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("long.ogg")
        try TestAudio.silence(seconds: 300, to: url)
        do {
            _ = try AudioDecoder.decode(url, maximumSeconds: 60)
            Issue.record("five minutes of audio passed a 60 s limit")
        } catch let error as ZhikuError {
            #expect(error.message.contains("lasts 300 s"), "\(error.message)")
        }
    }
}
