import Foundation

/// Recordings the tests make with Debian's ffmpeg tool (installed by `scripts/setup.sh --tests`).
public enum TestAudio {
    /// Whether `/usr/bin/ffmpeg` is there.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") }

    /// Writes `seconds` of silence at 16 kHz mono as Opus in Ogg to `url` (a few KB whatever the length; the
    /// container states the length). Throws when ffmpeg fails.
    public static func silence(seconds: Int, to url: URL) throws {
        let ffmpeg = Process()
        ffmpeg.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        ffmpeg.arguments = ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "\(seconds)",
                            "-c:a", "libopus", "-b:a", "8k", url.path]
        ffmpeg.standardError = FileHandle.nullDevice
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        guard ffmpeg.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
