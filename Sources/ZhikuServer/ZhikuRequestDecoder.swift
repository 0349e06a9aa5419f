import Foundation
import Hummingbird
import NIOCore
import ZhikuCore
import ZhikuEngine

/// Decodes JSON request bodies (``ZhikuJSON/decoder``) only when they say they are JSON: a body sent as
/// `text/plain` or a form (what a page on another site can send without asking) is refused with 415 before it
/// is read as a command; a body over ``maxBytes`` is refused with 413.
public struct ZhikuRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw ZhikuError(.unsupportedMediaType,
                             "send the JSON body with Content-Type: application/json (got \(contentType.isEmpty ? "none" : "'\(contentType)'"))")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxBytes)
        } catch is NIOTooManyBytesError {
            throw ZhikuError(.tooLarge, "the JSON body is larger than \(Self.maxBytes >> 20) MiB")
        }
        return try ZhikuJSON.decoder.decode(type, from: Data(buffer.readableBytesView))
    }

    /// The largest JSON body read (questions and conversations have their own, smaller limits).
    public static let maxBytes = 2 << 20
}
