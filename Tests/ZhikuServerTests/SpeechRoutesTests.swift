import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuServer

/// The voice endpoints and audio documents against a real server with the real Whisper model and espeak-ng.
@Suite(.serialized) struct SpeechRoutesTests {
    /// Skips the running test when the Whisper model is not installed.
    static func requireWhisper() throws {
        try Skip.unless((try? ModelLocation.folder(for: WhisperSpeechRecognizer.id)) != nil,
                        "model whisper-base not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
    }

    static let meeting = "The quarterly report is due on the fifth of March. Please send the budget to the finance team "
        + "before Friday. The server room is on the third floor, next to the kitchen. Visitors sign in at the front desk."

    /// A form with plain fields and one audio file.
    static func form(fields: [(String, String)], file: [UInt8], name: String = "question.wav") -> (body: [UInt8], contentType: String) {
        let boundary = "zhiku-speech-test"
        var body: [UInt8] = []
        for (field, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test func speechThenTranscriptionRoundTrip() async throws {
        try Self.requireWhisper()
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }

        let spoken = try await server.json(.POST, "/api/speech", ["text": "Please send the budget to the finance team before Friday."])
        #expect(spoken.status == 200)
        #expect(spoken.headers["content-type"] == "audio/wav")
        #expect(Array(spoken.body.prefix(4)) == Array("RIFF".utf8) && spoken.body.count > 44_100)

        // The WAV the server spoke, sent back as a raw body.
        let heard = try await server.request(.POST, "/api/transcribe", body: spoken.body, headers: [("Content-Type", "audio/wav")],
                                             timeout: 300)
        #expect(heard.status == 200, "\(String(decoding: heard.body, as: UTF8.self))")
        let json = heard.json
        #expect(json["model"] as? String == "whisper-base")
        #expect(json["language"] as? String == "en")
        let text: String = (json["text"] as? String ?? "").lowercased()
        for word in ["budget", "friday"] { #expect(text.contains(word), "'\(word)' not in '\(text)'") }
        let segments = json["segments"] as? [[String: Any]] ?? []
        #expect(!segments.isEmpty && segments.allSatisfy { ($0["end"] as? Double ?? 0) > ($0["start"] as? Double ?? 1) })
        #expect((json["token_ids"] as? [Int])?.isEmpty == false)

        // OpenAI-compatible: multipart with fields; each response format.
        let formats: [(String, (TestServer.Reply) -> Bool)] = [
            ("json", { ($0.json["text"] as? String ?? "").lowercased().contains("budget") && $0.json.count == 1 }),
            ("text", { $0.headers["content-type"]?.hasPrefix("text/plain") == true && String(decoding: $0.body, as: UTF8.self).lowercased().contains("budget") }),
            ("verbose_json", { ($0.json["language"] as? String) == "en" && ($0.json["segments"] as? [Any])?.isEmpty == false && ($0.json["duration"] as? Double ?? 0) > 1 }),
            ("srt", { String(decoding: $0.body, as: UTF8.self).hasPrefix("1\n00:00:0") }),
            ("vtt", { String(decoding: $0.body, as: UTF8.self).hasPrefix("WEBVTT\n\n00:00:0") }),
        ]
        for (format, check) in formats {
            let form = Self.form(fields: [("model", "whisper-1"), ("response_format", format), ("language", "en")], file: spoken.body)
            let reply = try await server.request(.POST, "/v1/audio/transcriptions", body: form.body,
                                                 headers: [("Content-Type", form.contentType)], timeout: 300)
            #expect(reply.status == 200 && check(reply), "\(format): \(String(decoding: reply.body, as: UTF8.self))")
        }
        let metrics = String(decoding: try await server.request(.GET, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"zhiku_transcriptions_total{model="whisper-base"}"#), "\(metrics.prefix(400))")
        #expect(metrics.contains("zhiku_transcription_duration_seconds"))
        // Nothing sent for transcription is kept.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: server.folder.url.appendingPathComponent("tmp").path)) ?? []
        #expect(leftovers.filter { $0.hasPrefix("speech-") }.isEmpty, "\(leftovers)")
    }

    @Test func badRequestsGetClearErrors() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let junk = try await server.request(.POST, "/api/transcribe", body: TestDocuments.junk(count: 2048),
                                            headers: [("Content-Type", "audio/wav")])
        #expect(junk.status == 400 && junk.errorCode == "invalid_input", "\(String(decoding: junk.body, as: UTF8.self))")
        let junkMessage = (junk.json["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(junkMessage.contains("cannot decode audio"))
        let empty = try await server.request(.POST, "/api/transcribe", body: [], headers: [("Content-Type", "audio/wav")])
        #expect(empty.status == 400)
        let badLanguage = try await server.request(.POST, "/api/transcribe?language=english!", body: TestDocuments.junk(count: 64))
        #expect(badLanguage.status == 400)
        let noForm = Self.form(fields: [("model", "whisper-1")], file: [])
        let emptyFile = try await server.request(.POST, "/v1/audio/transcriptions", body: noForm.body, headers: [("Content-Type", noForm.contentType)])
        #expect(emptyFile.status == 400)
        let voice = try await server.json(.POST, "/api/speech", ["text": "hello", "voice": "klingon"])
        #expect(voice.status == 400 && voice.errorCode == "invalid_input")
        let blank = try await server.json(.POST, "/api/speech", ["text": "   "])
        #expect(blank.status == 400)
        let rate = try await server.json(.POST, "/api/speech", ["text": "hello", "rate": 5000])
        #expect(rate.status == 400)
        let mp3 = try await server.json(.POST, "/v1/audio/speech", ["model": "tts-1", "input": "hello", "voice": "alloy", "response_format": "mp3"])
        let mp3Message = (mp3.json["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(mp3.status == 400 && mp3Message.contains("wav"))
        let speed = try await server.json(.POST, "/v1/audio/speech", ["input": "hello", "speed": 9])
        #expect(speed.status == 400)
        // OpenAI's voice names are accepted (the default voice speaks); pcm is the WAV's samples.
        let wav = try await server.json(.POST, "/v1/audio/speech", ["model": "tts-1", "input": "hello there", "voice": "alloy"])
        #expect(wav.status == 200 && Array(wav.body.prefix(4)) == Array("RIFF".utf8))
        let pcm = try await server.json(.POST, "/v1/audio/speech", ["input": "hello there", "response_format": "pcm"])
        #expect(pcm.status == 200 && pcm.headers["content-type"] == "audio/pcm" && pcm.body.count % 2 == 0 && pcm.body.count > 10_000)
        #expect(Array(pcm.body.prefix(4)) != Array("RIFF".utf8))
        let chinese = try await server.json(.POST, "/api/speech", ["text": "年假需要提前一周申请。"])
        #expect(chinese.status == 200 && chinese.body.count > 44_100)
    }

    @Test func anUploadedRecordingIsSearchableWithTimeRanges() async throws {
        try Self.requireWhisper()
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let clip = try await EspeakSpeechSynthesizer().synthesize(Self.meeting, voice: "en-us", rate: nil)
        _ = try await server.json(.POST, "/api/kbs", ["name": "meetings"])
        let form = TestServer.multipart([("meeting.wav", Array(clip.wav()))])
        let upload = try await server.request(.POST, "/api/kbs/meetings/files", body: form.body,
                                              headers: [("Content-Type", form.contentType)])
        let added = (upload.json["uploads"] as? [[String: Any]])?.first
        #expect((added?["file"] as? [String: Any])?["media_type"] as? String == "audio/wav")
        let job = try await server.waitForJob((added?["job"] as? [String: Any])?["id"] as? Int ?? 0, timeout: .seconds(600))
        #expect(job["status"] as? String == "succeeded", "\(job)")

        let search = try await server.request(.GET, "/api/kbs/meetings/search?q=budget%20finance%20team&k=3").json
        let hit = (search["hits"] as? [[String: Any]])?.first
        #expect(hit?["file_name"] as? String == "meeting.wav")
        let start = hit?["start_seconds"] as? Double, end = hit?["end_seconds"] as? Double
        #expect(start != nil && end != nil && start! < end! && end! <= clip.duration + 0.05, "\(String(describing: hit))")
        let hitText = (hit?["text"] as? String ?? "").lowercased()
        #expect(hitText.contains("budget"))

        let pages = try await server.request(.GET, "/api/kbs/meetings/files/\((added?["file"] as? [String: Any])?["id"] as? Int ?? 0)/pages").json
        let firstPage = (pages["pages"] as? [[String: Any]])?.first
        #expect(firstPage?["start_seconds"] as? Double == 0 || (firstPage?["start_seconds"] as? Double ?? 9) < 1)

        // A quoted answer cites the recording with its time range (the gate set low: the whole recording is one
        // passage, less similar to a short question than a passage of its own would be).
        #expect(try await server.json(.PUT, "/api/settings", ["no_answer_threshold": 0.5]).status == 200)
        let answer = try await server.json(.POST, "/api/chat", [
            "question": "When must the budget go to the finance team?", "kb": "meetings", "mode": "extractive",
        ])
        let events = TestServer.events(answer.body)
        let citations = events.first { $0.name == "citations" }?.data["citations"] as? [[String: Any]] ?? []
        #expect(citations.first?["file_name"] as? String == "meeting.wav", "\(events)")
        #expect(citations.first?["start_seconds"] as? Double != nil && citations.first?["end_seconds"] as? Double != nil)
    }
}
