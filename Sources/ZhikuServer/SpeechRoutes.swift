import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore
import ZhikuEngine
import ZhikuModels
import ZhikuStorage

/// Voice endpoints: `POST /api/transcribe` (audio in, text with language and timed segments out), `POST /api/speech`
/// (text in, WAV out), and the OpenAI-compatible `POST /v1/audio/transcriptions` and `POST /v1/audio/speech`.
/// Audio sent for transcription is streamed to a private temporary folder and deleted after; it is never stored.
struct SpeechRoutes {
    let runtime: ZhikuRuntime

    /// `/api/transcribe`'s answer.
    struct TranscriptionResponse: Encodable {
        struct Segment: Encodable { var start: Double; var end: Double; var text: String }
        var model: String
        var language: String
        var languageProbability: Double
        var text: String
        var duration: Double
        var segments: [Segment]
        var tokenIds: [Int]

        init(model: String, _ t: Transcript) {
            self.model = model
            language = t.language
            languageProbability = t.languageProbability
            text = t.text
            duration = t.duration
            segments = t.segments.map { Segment(start: $0.start, end: $0.end, text: $0.text) }
            tokenIds = t.tokenIDs
        }
    }

    struct SpeechRequest: Decodable {
        var text: String
        var voice: String?
        var rate: Int?
    }

    /// OpenAI's `POST /v1/audio/speech` body.
    struct OpenAISpeechRequest: Decodable {
        var model: String?
        var input: String
        var voice: String?
        var responseFormat: String?
        var speed: Double?
    }

    func register(on router: RouteRecorder) {
        router.post("api/transcribe") { request, context in
            _ = try context.requireUser()
            let query = request.uri.queryParameters.get("language").map { String($0) }
            let (transcript, _) = try await transcribe(request) { fields in query ?? fields["language"] }
            return try json(TranscriptionResponse(model: runtime.speech.modelID, transcript))
        }
        router.post("api/speech") { request, context in
            _ = try context.requireUser()
            let body = try await request.decode(as: SpeechRequest.self, context: context)
            return try await speak(body.text, voice: body.voice, rate: body.rate)
        }
        router.post("v1/audio/transcriptions") { request, context in
            _ = try context.requireUser()
            let (transcript, fields) = try await transcribe(request) { fields in fields["language"].flatMap { $0.isEmpty ? nil : $0 } }
            return try openAITranscription(transcript, format: fields["response_format"] ?? "json")
        }
        router.post("v1/audio/speech") { request, context in
            _ = try context.requireUser()
            let body = try await request.decode(as: OpenAISpeechRequest.self, context: context)
            let format = body.responseFormat?.lowercased() ?? "wav"
            guard format == "wav" || format == "pcm" else {
                throw ZhikuError.invalidInput("response_format '\(format)' is not available; Zhiku's voice speaks wav or pcm")
            }
            // OpenAI's voice names (alloy, nova, …) mean "the default voice" here; espeak-ng names choose one.
            let voice = body.voice.flatMap { name in (try? runtime.speech.loadedSynthesizer().voices.contains(name)) == true ? name : nil }
            var rate: Int?
            if let speed = body.speed {
                guard (0.25...4.0).contains(speed) else { throw ZhikuError.invalidInput("speed must be between 0.25 and 4.0, got \(speed)") }
                rate = min(EspeakSpeechSynthesizer.rates.upperBound,
                           max(EspeakSpeechSynthesizer.rates.lowerBound, Int((Double(EspeakSpeechSynthesizer.defaultRate) * speed).rounded())))
            }
            return try await speak(body.input, voice: voice, rate: rate, pcm: format == "pcm")
        }
    }

    // MARK: - Transcription

    /// Transcribes the audio of `request` — the raw body, or the file part of a multipart form — in the language
    /// `language` picks (from the form's plain fields, or elsewhere); returns the fields too. The audio is streamed
    /// into a private temporary folder under the data folder, removed however this ends.
    private func transcribe(_ request: Request, language pick: ([String: String]) -> String?) async throws
        -> (Transcript, [String: String]) {
        let folder = runtime.configuration.dataFolder.appendingPathComponent("tmp/speech-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (audio, fields) = try await receiveAudio(request, into: DiskBlobStore(dataFolder: folder))
        let language = pick(fields)
        if let language {
            guard language.count >= 2, language.count <= 3, language.allSatisfy({ $0.isLetter && $0.isASCII }) else {
                throw ZhikuError.invalidInput("language must be an ISO 639-1 code such as en or zh, got '\(language)'")
            }
        }
        return (try await runtime.speech.transcribe(audio, language: language?.lowercased()), fields)
    }

    /// The audio of a request written to `store`, and the form's plain fields.
    private func receiveAudio(_ request: Request, into store: DiskBlobStore) async throws -> (SourceFile, [String: String]) {
        let limit = runtime.configuration.maxUploadBytes
        let isMultipart = try MultipartUpload.refuseDeclaredOversize(request, limit: limit, what: "the audio")
        var fields: [String: String] = [:]
        let blob: StoredBlob
        var name = "audio"
        if isMultipart {
            guard let boundary = MultipartUpload.boundary(fromContentType: request.headers[.contentType] ?? "") else {
                throw ZhikuError.invalidInput("multipart/form-data without a boundary")
            }
            // The store is a temporary folder, removed after the request either way.
            let form = try await MultipartUpload.receiveForm(request.body, boundary: boundary, blobs: store, limit: limit,
                                                             discard: { _ in })
            fields = form.fields
            guard let part = form.parts.first else { throw ZhikuError.invalidInput("the form holds no audio file (field 'file')") }
            blob = try part.result.get()
            name = part.name
        } else {
            blob = try await store.write(request.body.map { Array($0.readableBytesView) }, limit: limit)
        }
        guard blob.size > 0 else { throw ZhikuError.invalidInput("the request holds no audio") }
        return (SourceFile(name: name, url: blob.url, sha256: blob.sha256, mediaType: .octetStream, size: blob.size), fields)
    }

    private func openAITranscription(_ t: Transcript, format: String) throws -> Response {
        func timestamp(_ seconds: Double, separator: String) -> String {
            let ms = Int((seconds * 1000).rounded())
            return String(format: "%02d:%02d:%02d\(separator)%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
        }
        func text(_ body: String, type: String) -> Response {
            Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        switch format.lowercased() {
        case "json":
            struct Plain: Encodable { var text: String }
            return try json(Plain(text: t.text))
        case "text":
            return text(t.text + "\n", type: "text/plain; charset=utf-8")
        case "verbose_json":
            struct Verbose: Encodable {
                struct Segment: Encodable { var id: Int; var start: Double; var end: Double; var text: String }
                var task = "transcribe"
                var language: String
                var duration: Double
                var text: String
                var segments: [Segment]
            }
            return try json(Verbose(language: t.language, duration: t.duration, text: t.text,
                                    segments: t.segments.enumerated().map { .init(id: $0, start: $1.start, end: $1.end, text: $1.text) }))
        case "srt":
            let body = t.segments.enumerated().map { i, s in
                "\(i + 1)\n\(timestamp(s.start, separator: ",")) --> \(timestamp(s.end, separator: ","))\n\(s.text)\n"
            }.joined(separator: "\n")
            return text(body, type: "application/x-subrip; charset=utf-8")
        case "vtt":
            let body = "WEBVTT\n\n" + t.segments.map { s in
                "\(timestamp(s.start, separator: ".")) --> \(timestamp(s.end, separator: "."))\n\(s.text)\n"
            }.joined(separator: "\n")
            return text(body, type: "text/vtt; charset=utf-8")
        default:
            throw ZhikuError.invalidInput("response_format must be json, text, verbose_json, srt or vtt, got '\(format)'")
        }
    }

    // MARK: - Speech

    private func speak(_ text: String, voice: String?, rate: Int?, pcm: Bool = false) async throws -> Response {
        let clip = try await runtime.speech.loadedSynthesizer().synthesize(text, voice: voice, rate: rate)
        var bytes = clip.wav()
        if pcm { bytes = bytes.dropFirst(44) }
        return Response(status: .ok, headers: [.contentType: pcm ? "audio/pcm" : "audio/wav",
                                               HTTPField.Name("X-Sample-Rate")!: "\(clip.sampleRate)"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
