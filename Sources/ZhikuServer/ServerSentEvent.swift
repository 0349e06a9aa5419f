import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ZhikuCore
import ZhikuEngine

/// Server-Sent Events: frames, and the one response every streaming route uses, which ends each stream properly
/// whatever goes wrong in it — an `error` event (Zhiku's streams) or an OpenAI-style error chunk followed by
/// `data: [DONE]` (OpenAI's) — with the message a client may see (``ZhikuError/clientMessage(for:)``),
/// never an error's own description.
enum ServerSentEvent {
    /// How a stream reports a failure and ends.
    enum Style: Sendable {
        /// `event: error` with `{"code", "message"}`; the stream just ends.
        case zhiku
        /// `data: {"error": {"code", "message"}}`, then `data: [DONE]` (also after a stream that went well).
        case openAI
    }

    struct Failure: Encodable { var code: String; var message: String }
    struct OpenAIFailure: Encodable { var error: Failure }

    /// One frame: an optional `event:` name and a JSON `data:` line.
    static func frame(_ name: String?, _ value: some Encodable) throws -> ByteBuffer {
        let data = String(decoding: try ZhikuJSON.encoder.encode(value), as: UTF8.self)
        return ByteBuffer(string: (name.map { "event: \($0)\n" } ?? "") + "data: \(data)\n\n")
    }

    /// An SSE comment line (clients skip it).
    static func comment(_ text: String) -> ByteBuffer { ByteBuffer(string: ": \(text)\n\n") }

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

    /// A streaming response whose frames `produce` writes; a failure inside it becomes the style's error frame (a
    /// failure of the server itself is logged with its details, which the client does not see), and the stream is
    /// always finished. A client that went away cancels `produce` and gets nothing more.
    static func response(_ style: Style, for user: User?, logger: Logger, what: String,
                         _ produce: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody { writer in
            do {
                try await produce(&writer)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let failure = error as? ZhikuError
                    ?? ZhikuError(.internal, "\(what) failed", detail: String(describing: error))
                if failure.code == .internal || failure.code == .storageFailed || failure.detail != nil {
                    logger.error("\(what) failed: \(failure)")
                } else {
                    logger.info("\(what) ended with \(failure.code.rawValue): \(failure.message)")
                }
                let body = Failure(code: failure.code.rawValue, message: failure.clientMessage(for: user))
                switch style {
                case .zhiku: try await writer.write(frame("error", body))
                case .openAI: try await writer.write(frame(nil, OpenAIFailure(error: body)))
                }
            }
            if style == .openAI { try await writer.write(ByteBuffer(string: "data: [DONE]\n\n")) }
            try await writer.finish(nil)
        })
    }
}
