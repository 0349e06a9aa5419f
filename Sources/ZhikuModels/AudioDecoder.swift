import Foundation
import ZhikuCore

/// Decodes audio files (WAV, FLAC, OGG/Opus, WebM/Opus, MP3, M4A/AAC and whatever else Debian's FFmpeg reads)
/// to mono 16-bit samples at a chosen rate, through libavformat, libavcodec and libswresample with swresample's
/// default filter — the same conversion faster-whisper gets from PyAV — returned as floats (s16 / 32768).
/// ``AudioStream`` reads the same samples a piece at a time.
public enum AudioDecoder {
    /// The longest audio decoded, in seconds (4 hours), so a hostile file cannot fill memory.
    public static let defaultMaximumSeconds = 4 * 3600.0

    /// Samples of the first audio stream of the file at `url`, mono, at `sampleRate`, held whole.
    public static func decode(_ url: URL, sampleRate: Int = 16_000, maximumSeconds: Double = defaultMaximumSeconds) throws -> AudioClip {
        let stream = try AudioStream(url: url, sampleRate: sampleRate, maximumSeconds: maximumSeconds)
        var samples: [Float] = []
        while true {
            let piece = try stream.read(1 << 16)
            if piece.isEmpty { break }
            samples += piece
        }
        return AudioClip(samples: samples, sampleRate: sampleRate)
    }
}
