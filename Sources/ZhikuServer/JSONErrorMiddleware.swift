import Foundation
import Hummingbird
import Logging
import ZhikuCore
import ZhikuEngine

/// Turns every error a route throws into a JSON response `{ "error": { "code", "message" } }` with the
/// matching status, so clients never see an empty or HTML error page. Unexpected errors are logged and
/// answered with 500 without internals.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ZhikuError {
            // The details (SQL, paths, library errors, a model server's reply) go to the log; the client sees what
            // `clientMessage(for:)` allows it.
            if error.code == .internal || error.code == .storageFailed {
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
            }
            // Sign-in is checked further in: an error with its detail still attached is shown as to a member
            // (`AuthMiddleware` resolves details for the signed-in user).
            return APIErrorResponse.make(status: APIErrorResponse.status(for: error.code), code: error.code.rawValue,
                                         message: error.clientMessage(for: nil))
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = ZhikuError.Code.notFound.rawValue
            case .contentTooLarge: code = ZhikuError.Code.tooLarge.rawValue
            case .methodNotAllowed: code = "method_not_allowed"
            case .badRequest: code = ZhikuError.Code.invalidInput.rawValue
            default: code = error.status.code >= 500 ? "internal" : "http_\(error.status.code)"
            }
            return APIErrorResponse.make(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        } catch let error as DecodingError {
            return APIErrorResponse.make(status: .badRequest, code: ZhikuError.Code.invalidInput.rawValue,
                                 message: "the JSON body is invalid: \(Self.describe(error))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            return APIErrorResponse.make(status: .internalServerError, code: "internal", message: "internal server error")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(error)"
        }
    }
}

/// The JSON error body `{ "error": { "code", "message" } }` and the status for each ``ZhikuError/Code``.
public enum APIErrorResponse {
    struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
        }
        let error: Inner
    }

    public static func status(for code: ZhikuError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidInput: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .extractionFailed: .unprocessableContent
        case .timeout: .gatewayTimeout
        case .upstreamFailed: .badGateway
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .tooManyRequests: .tooManyRequests
        case .insufficientStorage: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .storageFailed, .internal: .internalServerError
        }
    }

    public static func make(status: HTTPResponse.Status, code: String, message: String) -> Response {
        let data = (try? ZhikuJSON.encoder.encode(Body(error: .init(code: code, message: message)))) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
