import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite struct AudioDecoderTests {
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
}
