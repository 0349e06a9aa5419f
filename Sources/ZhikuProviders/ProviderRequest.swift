import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ZhikuCore

/// One JSON `POST` to a model server, as the providers that are not streamed send it: a deadline, an optional
/// bearer key, and retries with exponential backoff when the connection fails, the deadline passes or the server
/// answers 429/5xx; any other status fails at once with the server's message (its address and reply go to the log).
enum ProviderRequest {
    /// The body of a 2xx reply. `server` names the server in errors and logs ("the embedding server").
    static func post(_ url: String, json body: Data, apiKey: String?, timeout: Duration, retries: Int, server: String,
                     client: HTTPClient, logger: Logger) async throws -> Data {
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            if let key = apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            let retryable: ZhikuError
            do {
                let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                                     + timeout.components.attoseconds / 1_000_000_000))
                let bytes = try await response.body.collect(upTo: 256 << 20)
                let data = Data(bytes.readableBytesView)
                switch response.status.code {
                case 200..<300:
                    return data
                case 429, 500...599:
                    retryable = ZhikuError(.upstreamFailed, "\(server) failed (HTTP \(response.status.code))",
                                           detail: "\(url): \(message(data))")
                default:
                    logger.warning("\(server) refused a request", metadata: [
                        "url": "\(url)", "status": "\(response.status.code)", "reply": "\(message(data))"])
                    throw ZhikuError(.invalidInput, "\(server) refused the request (HTTP \(response.status.code))",
                                     detail: String(message(data).prefix(300)))
                }
            } catch let error as ZhikuError {
                throw error
            } catch let error as HTTPClientError where error == .deadlineExceeded {
                retryable = ZhikuError(.timeout, "\(server) did not answer within \(timeout)", detail: url)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                retryable = ZhikuError(.upstreamFailed, "cannot reach \(server)", detail: "\(url): \(error)")
            }
            guard attempt < retries else { throw retryable }
            attempt += 1
            logger.warning("request to \(server) failed, retrying", metadata: ["attempt": "\(attempt)", "error": "\(retryable)"])
            try await Task.sleep(for: .milliseconds(200 * (1 << attempt)))
        }
    }

    private struct ErrorReply: Decodable {
        struct Inner: Decodable { var message: String? }
        var error: Inner?
    }

    /// The server's error message: OpenAI's `{"error": {"message"}}`, else the start of the body.
    static func message(_ data: Data) -> String {
        if let e = try? JSONDecoder().decode(ErrorReply.self, from: data), let m = e.error?.message { return m }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }
}
