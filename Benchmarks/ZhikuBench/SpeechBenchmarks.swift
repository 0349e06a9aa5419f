import Foundation
import ZhikuCore
import ZhikuModels

/// Real-time factor of speech-to-text (seconds of work per second of audio) on about a minute of espeak-ng
/// English, with 1 and 2 BLAS threads: Zhiku's Whisper base beside faster-whisper (CTranslate2) on the same
/// model.bin, both float32, greedy, without timestamps — and whether the two emitted the same tokens.
enum SpeechBenchmarks {
    static func run(python: String?, work: URL, clock: ContinuousClock, peers: URL) async throws -> [TableRow] {
        guard let folder = try? ModelLocation.folder(for: WhisperSpeechRecognizer.id) else {
            return [TableRow(what: "speech to text", tool: "zhiku", value: "whisper-base is not installed (scripts/fetch-models.sh)")]
        }
        var r = Corpus.Random(state: 7)
        let sentences = (0..<24).map { _ in (0..<9).map { _ in Corpus.english[r.next(Corpus.english.count)] }.joined(separator: " ") + "." }
        let clip = try await EspeakSpeechSynthesizer().synthesize(sentences.joined(separator: " "), voice: "en-us", rate: nil)
        let wav = work.appendingPathComponent("speech.wav")
        try clip.wav().write(to: wav)

        let loadStart = clock.now
        let transcriber = try WhisperTranscriber(folder: folder)
        let load = seconds(clock.now - loadStart)
        let samples = try AudioDecoder.decode(wav).samples
        let duration = Double(samples.count) / 16_000
        var rows: [TableRow] = []
        var zhikuTokens: [Int] = []
        var zhiku: [Int: Double] = [:], peer: [Int: Double] = [:]
        var peerTokens: [Int] = []
        var peerLoad = 0.0
        for threads in [1, 2] {
            Kernels.setBLASThreads(threads)
            let start = clock.now
            zhikuTokens = try transcriber.transcribe(samples, options: .greedyWithoutTimestamps).tokenIDs
            zhiku[threads] = seconds(clock.now - start) / duration
            if let python, let result = runFasterWhisper(python: python, script: peers.appendingPathComponent("transcribe_faster_whisper.py"),
                                                                     model: folder, wav: wav, threads: threads) {
                peer[threads] = (result["seconds"] as? Double ?? 0) / duration
                peerTokens = result["tokens"] as? [Int] ?? []
                peerLoad = result["load_seconds"] as? Double ?? 0
            }
        }
        Kernels.setBLASThreads(1)
        let what = String(format: "speech to text, %.0f s of English, real-time factor (lower is better)", duration)
        rows.append(TableRow(what: what, tool: "zhiku (Swift Whisper base, float32, OpenBLAS)",
                             value: String(format: "1 thread %.3f, 2 threads %.3f (load %.1f s)", zhiku[1]!, zhiku[2]!, load)))
        if let one = peer[1], let two = peer[2] {
            rows.append(TableRow(what: "", tool: "faster-whisper 1.2.1 / CTranslate2 4.8.5, float32",
                                 value: String(format: "1 thread %.3f, 2 threads %.3f (load %.1f s)", one, two, peerLoad)))
            rows.append(TableRow(what: "", tool: "same output tokens", value: zhikuTokens == peerTokens
                                 ? "yes (\(zhikuTokens.count) tokens)" : "no (\(zhikuTokens.count) vs \(peerTokens.count) tokens)"))
        }
        return rows
    }

    static func runFasterWhisper(python: String, script: URL, model: URL, wav: URL, threads: Int) -> [String: Any]? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script.path, model.path, wav.path, String(threads)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
