import AsyncHTTPClient
import NIOCore

/// The HTTP client the providers share: like `HTTPClient.shared`, but a server that cannot be reached fails a
/// request after a 5-second connect timeout (the shared client keeps retrying the connection until the whole
/// request's deadline, which for a streamed answer is minutes), so the caller's own retries and errors apply.
public enum ProviderHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
