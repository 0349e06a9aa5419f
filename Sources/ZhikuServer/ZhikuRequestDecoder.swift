import Foundation
import Hummingbird
import ZhikuCore

/// Decodes JSON request bodies (``ZhikuJSON/decoder``) only when they say they are JSON: a body sent as
/// `text/plain` or a form (what a page on another site can send without asking) is refused with 415 before it
/// is read as a command.
public struct ZhikuRequestDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw ZhikuError(.unsupportedMediaType,
                             "send the JSON body with Content-Type: application/json (got \(contentType.isEmpty ? "none" : "'\(contentType)'"))")
        }
        return try await ZhikuJSON.decoder.decode(type, from: request, context: context)
    }
}
