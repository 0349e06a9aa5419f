/// An error with a stable machine-readable code and a message a person can act on.
///
/// Every layer throws these (or wraps foreign errors in them); the HTTP layer maps ``Code`` to a status and
/// renders `{ "error": { "code", "message" } }`, the CLI prints the message on one line and exits non-zero.
public struct ZhikuError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. The raw value is what clients see in `error.code`.
    public enum Code: String, Sendable, Codable {
        case invalidInput = "invalid_input"
        case notFound = "not_found"
        case conflict = "conflict"
        case tooLarge = "too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case extractionFailed = "extraction_failed"
        case storageFailed = "storage_failed"
        /// Something took longer than its limit (an OCR engine, a model server).
        case timeout = "timeout"
        /// No valid credentials (sign in, or send `Authorization: Bearer <key>`).
        case unauthorized = "unauthorized"
        /// Signed in, but not allowed to do this.
        case forbidden = "forbidden"
        /// Too many attempts; wait and try again.
        case tooManyRequests = "too_many_requests"
        /// The disk is full.
        case insufficientStorage = "insufficient_storage"
        /// A server Zhiku relies on (a model, embedding or speech server) could not be reached or failed.
        case upstreamFailed = "upstream_failed"
        case `internal` = "internal"
    }

    public var code: Code
    public var message: String
    /// More about the failure that only the server's operators see (a model server's own reply): the CLI prints
    /// it, the HTTP layer shows it to admins and logs it; members get `message` alone.
    public var detail: String?

    public init(_ code: Code, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.map { "\(message): \($0)" } ?? message }

    public static func invalidInput(_ message: String) -> ZhikuError { .init(.invalidInput, message) }
    public static func notFound(_ message: String) -> ZhikuError { .init(.notFound, message) }
    public static func extractionFailed(_ message: String) -> ZhikuError { .init(.extractionFailed, message) }
}
