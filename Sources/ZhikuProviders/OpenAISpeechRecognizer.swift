import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ZhikuCore

/// ``SpeechRecognizer`` backed by an OpenAI-compatible `POST {base}/v1/audio/transcriptions` server (a larger
/// Whisper, SenseVoice, or another Zhiku): the file goes up as multipart form data with `response_format=verbose_json`,
/// so segments keep their times when the server reports them.
public struct OpenAISpeechRecognizer: SpeechRecognizer {
    public struct Configuration: Sendable {
        /// e.g. `http://127.0.0.1:8000` (with or without a trailing `/v1`).
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        public var timeout: Duration = .seconds(600)

        public init(baseURL: String, model: String, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger
    public var modelID: String { configuration.model }

    public init(_ configuration: Configuration, client: HTTPClient = ProviderHTTPClient.shared,
                logger: Logger = Logger(label: "zhiku.speech")) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    private struct Reply: Decodable {
        struct Segment: Decodable { var start: Double; var end: Double; var text: String }
        var text: String
        var language: String?
        var duration: Double?
        var segments: [Segment]?
    }

    public func transcribe(_ audio: SourceFile, language: String?) async throws -> Transcript {
        let url = OpenAIEndpoint.url(configuration.baseURL, "audio/transcriptions")
        let bytes: Data
        do {
            bytes = try Data(contentsOf: audio.url)
        } catch {
            throw ZhikuError.notFound("cannot read \(audio.name): \(error.localizedDescription)")
        }
        let boundary = "zhiku-\(UUID().uuidString)"
        var body = Data()
        func field(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        field("model", configuration.model)
        field("response_format", "verbose_json")
        if let language { field("language", language) }
        let safeName = audio.name.replacingOccurrences(of: "\"", with: "_")
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\nContent-Type: \(audio.mediaType.rawValue)\r\n\r\n".utf8))
        body.append(bytes)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))

        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let data: Data
        let status: UInt
        do {
            let seconds = configuration.timeout.components.seconds
            let response = try await client.execute(request, timeout: .seconds(seconds))
            data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
            status = response.status.code
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw ZhikuError(.timeout, "the speech server did not answer within \(configuration.timeout)", detail: url)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ZhikuError(.upstreamFailed, "cannot reach the speech server", detail: "\(url): \(error)")
        }
        guard (200..<300).contains(status) else {
            let message = String(decoding: data.prefix(300), as: UTF8.self)
            throw ZhikuError(status < 500 ? .invalidInput : .upstreamFailed,
                             "the speech server \(status < 500 ? "refused the request" : "failed") (HTTP \(status))", detail: "\(url): \(message)")
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data) else {
            throw ZhikuError(.upstreamFailed, "the speech server answered with something that is not a transcription", detail: url)
        }
        let text = reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let duration = reply.duration ?? reply.segments?.last?.end ?? 0
        let segments = reply.segments?.map { Transcript.Segment(start: $0.start, end: $0.end, text: $0.text.trimmingCharacters(in: .whitespaces)) }
            ?? (text.isEmpty ? [] : [Transcript.Segment(start: 0, end: duration, text: text)])
        return Transcript(language: Self.code(reply.language ?? language ?? ""), languageProbability: language == nil ? 0 : 1,
                          text: text, segments: segments, tokenIDs: [], duration: duration)
    }

    /// OpenAI's verbose_json names the language in English ("english"); Zhiku uses ISO 639-1 codes.
    static func code(_ language: String) -> String {
        let names = ["english": "en", "chinese": "zh", "japanese": "ja", "korean": "ko", "french": "fr", "german": "de",
                     "spanish": "es", "russian": "ru", "portuguese": "pt", "italian": "it", "cantonese": "yue"]
        let lower = language.lowercased()
        return names[lower] ?? lower
    }
}
