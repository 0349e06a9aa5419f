import Foundation
import Testing
import ZhikuTestSupport

/// `zhiku say` and `zhiku transcribe` as a user runs them.
@Suite struct VoiceCommandTests {
    static var whisperInstalled: Bool {
        let root = ProcessInfo.processInfo.environment["ZHIKU_MODELS"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                                     ?? NSHomeDirectory() + "/.cache") + "/zhiku/models")
        let installed = FileManager.default.fileExists(atPath: root.appendingPathComponent("whisper-base/model.bin").path)
        return installed
    }

    @Test func sayThenTranscribeAsJSON() async throws {
        try Skip.unless(Self.whisperInstalled, "model whisper-base not found (scripts/fetch-models.sh fetches it)")
        let folder = TemporaryFolder()
        let wav = folder.url.appendingPathComponent("note.wav").path
        let said = try await CLI.runDetached(["say", "The parking garage closes at midnight on Sundays.", "-o", wav])
        #expect(said.status == 0, "\(said.stderr)")
        #expect(said.stdout.contains("voice en-us"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: wav))
        #expect(bytes.prefix(4) == Data("RIFF".utf8) && bytes.count > 44_100)

        let heard = try await CLI.runDetached(["transcribe", "--json", wav])
        #expect(heard.status == 0, "\(heard.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(heard.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["language"] as? String == "en")
        let text = (json["text"] as? String ?? "").lowercased()
        for word in ["parking", "garage", "sunday"] { #expect(text.contains(word), "'\(word)' not in '\(text)'") }
        let segments = json["segments"] as? [[String: Any]] ?? []
        #expect(!segments.isEmpty && segments.allSatisfy { $0["start"] is Double && $0["end"] is Double && $0["text"] is String })
        #expect((json["token_ids"] as? [Int])?.isEmpty == false)

        let plain = try await CLI.runDetached(["transcribe", wav])
        #expect(plain.status == 0 && plain.stdout.lowercased().contains("parking"))
    }

    @Test func referenceSettingsReproduceFasterWhisper() async throws {
        try Skip.unless(Self.whisperInstalled, "model whisper-base not found (scripts/fetch-models.sh fetches it)")
        guard let folder = SharedEval.folder("speech") else {
            try SharedEval.skip("Whisper reference transcripts")
        }
        struct Reference: Decodable { var file: String; var language: String; var tokens: [Int] }
        let first = try String(contentsOf: folder.appendingPathComponent("whisper-base-greedy.jsonl"), encoding: .utf8)
            .split(separator: "\n").first.map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
        let reference = try #require(first)
        let result = try await CLI.runDetached(["transcribe", "--json", "--no-timestamps", "--temperature", "0",
                                                folder.appendingPathComponent(reference.file).path])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["language"] as? String == reference.language)
        #expect(json["token_ids"] as? [Int] == reference.tokens)
    }

    @Test func badInputIsOneLineAndNonZero() async throws {
        let folder = TemporaryFolder()
        let missing = try await CLI.runDetached(["transcribe", folder.url.appendingPathComponent("nope.wav").path])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
        if Self.whisperInstalled {
            let junk = folder.write("junk.mp3", TestDocuments.junk(count: 3000))
            let result = try await CLI.runDetached(["transcribe", junk.path])
            #expect(result.status != 0 && result.stderr.contains("cannot decode audio junk.mp3"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        let voice = try await CLI.runDetached(["say", "hello", "--voice", "klingon", "-o", folder.url.appendingPathComponent("x.wav").path])
        #expect(voice.status != 0 && voice.stderr.contains("unknown voice 'klingon'"))
        let unwritable = try await CLI.runDetached(["say", "hello", "-o", "/nonexistent-folder/x.wav"])
        #expect(unwritable.status != 0 && unwritable.stderr.contains("cannot write"))
    }
}
